#include "sluice/storage/offset_checkpoint.h"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <vector>

#include "sluice/common/assert.h"
#include "sluice/common/logger.h"
#include "sluice/storage/file_util.h"

namespace sluice::storage {

namespace {

// Kafka's CheckpointFile version; any other first line is refused, as Kafka does.
constexpr std::string_view checkpoint_version = "0";
// Kafka's Topic.MAX_NAME_LENGTH.
constexpr size_t topic_name_max = 249;

// Kafka's Topic.validate: [a-zA-Z0-9._-]{1,249}. Checked on read too, so that a byte flip
// into a space, a newline or garbage is reported as corruption instead of a new topic.
bool legal_topic_name(std::string_view s) {
    if (s.empty() || s.size() > topic_name_max || s == "." || s == "..") return false;
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

// The whole token must be the number: from_chars alone would accept "12abc" as 12.
template <class Int>
bool parse_int(std::string_view s, Int& out) {
    if (s.empty()) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}

errc malformed(const std::filesystem::path& path, size_t line_no, const char* why,
               std::string_view line) {
    SLUICE_LOG(warn, "storage", "checkpoint %s line %zu: %s: \"%.*s\"", path.c_str(), line_no, why,
               static_cast<int>(std::min<size_t>(line.size(), 200)), line.data());
    return errc::corrupt_index;
}

// Splits on '\n'. The newline after the last line is optional, as for Kafka's
// BufferedReader; any other empty line is kept and will be refused as malformed.
std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        if (nl == std::string_view::npos) {
            lines.push_back(text);
            break;
        }
        lines.push_back(text.substr(0, nl));
        text.remove_prefix(nl + 1);
    }
    return lines;
}

// "<topic> <partition> <offset>", single spaces, as Kafka writes it.
bool parse_entry(std::string_view line, topic_partition& tp, int64_t& offset) {
    size_t a = line.find(' ');
    if (a == std::string_view::npos) return false;
    size_t b = line.find(' ', a + 1);
    if (b == std::string_view::npos) return false;
    std::string_view topic = line.substr(0, a);
    std::string_view partition = line.substr(a + 1, b - a - 1);
    std::string_view off = line.substr(b + 1);
    int32_t p = 0;
    if (!legal_topic_name(topic) || !parse_int(partition, p) || p < 0) return false;
    if (!parse_int(off, offset)) return false;
    tp.topic.assign(topic);
    tp.partition = p;
    return true;
}

}  // namespace

result<void> write_offset_checkpoint(const std::filesystem::path& path,
                                     const offset_checkpoint_map& offsets) {
    std::string text;
    text.reserve(16 + offsets.size() * 48);
    text.append(checkpoint_version).append("\n");
    text.append(std::to_string(offsets.size())).append("\n");
    for (const auto& [tp, offset] : offsets) {
        SLUICE_ASSERT(legal_topic_name(tp.topic), "illegal topic name \"%s\" in checkpoint %s",
                      tp.topic.c_str(), path.c_str());
        SLUICE_ASSERT(tp.partition >= 0, "partition %d of %s", tp.partition, tp.topic.c_str());
        text.append(tp.topic).append(" ");
        text.append(std::to_string(tp.partition)).append(" ");
        text.append(std::to_string(offset)).append("\n");
    }
    auto bytes = reinterpret_cast<const uint8_t*>(text.data());
    return write_file_atomic(path, {bytes, text.size()});
}

result<offset_checkpoint_map> read_offset_checkpoint(const std::filesystem::path& path) {
    auto bytes = read_file(path);
    if (!bytes) {
        if (bytes.error() == errc::not_found) return offset_checkpoint_map{};
        return fail(bytes.error());
    }
    std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
    auto lines = split_lines(text);
    if (lines.empty()) return fail(malformed(path, 1, "missing version line", ""));
    if (lines[0] != checkpoint_version) {
        return fail(malformed(path, 1, "unsupported version", lines[0]));
    }
    if (lines.size() < 2) return fail(malformed(path, 2, "missing entry count line", ""));
    uint64_t count = 0;
    if (!parse_int(lines[1], count)) return fail(malformed(path, 2, "bad entry count", lines[1]));
    size_t found = lines.size() - 2;
    if (found < count) {
        return fail(malformed(path, lines.size() + 1, "missing entry lines", "<end of file>"));
    }
    if (found > count) {
        size_t extra = static_cast<size_t>(count) + 2;
        return fail(malformed(path, extra + 1, "more entries than the count says", lines[extra]));
    }
    offset_checkpoint_map out;
    for (size_t i = 2; i < lines.size(); ++i) {
        topic_partition tp;
        int64_t offset = 0;
        if (!parse_entry(lines[i], tp, offset)) {
            return fail(
                malformed(path, i + 1, "expected \"<topic> <partition> <offset>\"", lines[i]));
        }
        if (!out.emplace(std::move(tp), offset).second) {
            return fail(malformed(path, i + 1, "partition listed twice", lines[i]));
        }
    }
    return out;
}

}  // namespace sluice::storage
