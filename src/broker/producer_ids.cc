#include "producer_ids.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "sluice/common/logger.h"
#include "sluice/storage/file_util.h"

namespace sluice::broker {

namespace {
constexpr const char* file_name = "producer-id-block";
constexpr const char* key = "next.block.start=";
}  // namespace

bool producer_ids::load(const std::filesystem::path& log_dir, std::string* why) {
    _file = log_dir / file_name;
    auto bytes = storage::read_file(_file);
    if (!bytes) {
        if (bytes.error() == storage::errc::not_found) return true;
        *why = "cannot read " + _file.string();
        return false;
    }
    const std::string text(bytes->begin(), bytes->end());
    long long start = -1;
    if (text.rfind(key, 0) != 0 ||
        std::sscanf(text.c_str() + std::strlen(key), "%lld", &start) != 1 || start < 0) {
        *why = _file.string() + " is damaged (expected one line '" + key +
               "<n>'); if you remove it, producer ids may repeat and idempotent producers "
               "on this broker could see false duplicates";
        return false;
    }
    _next = _block_end = start;
    return true;
}

std::optional<int64_t> producer_ids::next() {
    if (_next == _block_end) {
        const int64_t end = _next + block_size;
        const std::string line = key + std::to_string(end) + "\n";
        auto r = storage::write_file_atomic(
            _file, std::span(reinterpret_cast<const uint8_t*>(line.data()), line.size()));
        if (!r) {
            SLUICE_LOG(error, "broker", "cannot write %s (%s): no new producer ids", _file.c_str(),
                       storage::describe(r.error()));
            return std::nullopt;
        }
        _block_end = end;
    }
    return _next++;
}

}  // namespace sluice::broker
