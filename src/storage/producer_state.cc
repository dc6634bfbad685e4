#include "sluice/storage/producer_state.h"

#include <algorithm>
#include <cstdio>

#include "sluice/common/crc32c.h"
#include "sluice/common/endian.h"

namespace sluice::storage {

namespace {

constexpr int16_t snapshot_version = 1;
constexpr size_t snapshot_header_bytes = 2 + 4 + 4;  // version, crc, count
constexpr size_t snapshot_entry_bytes = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;

bool in_sequence(int32_t last, int32_t next) {
    return next == (last == INT32_MAX ? 0 : last + 1);
}

}  // namespace

int32_t last_sequence_of(int32_t base_sequence, int32_t last_offset_delta) {
    if (base_sequence > INT32_MAX - last_offset_delta) {
        return last_offset_delta - (INT32_MAX - base_sequence) - 1;
    }
    return base_sequence + last_offset_delta;
}

result<std::optional<producer_batch>> producer_state::check(const producer_batch_header& b) const {
    if (b.producer_id < 0) return std::optional<producer_batch>{};
    auto it = _producers.find(b.producer_id);
    if (it == _producers.end()) return std::optional<producer_batch>{};  // any sequence
    const producer_entry& e = it->second;
    if (b.epoch < e.epoch) return fail(errc::invalid_producer_epoch);
    if (b.epoch > e.epoch) {
        // A new epoch starts over at 0 (KIP-360 bumps it after an unresolved failure).
        if (b.base_sequence != 0) return fail(errc::out_of_order_sequence);
        return std::optional<producer_batch>{};
    }
    const int32_t last_seq = last_sequence_of(b.base_sequence, b.last_offset_delta);
    for (const producer_batch& m : e.batches) {
        if (m.first_sequence == b.base_sequence && m.last_sequence == last_seq) {
            return std::optional<producer_batch>{m};
        }
    }
    if (e.batches.empty()) return std::optional<producer_batch>{};
    if (!in_sequence(e.batches.back().last_sequence, b.base_sequence)) {
        return fail(errc::out_of_order_sequence);
    }
    return std::optional<producer_batch>{};
}

void producer_state::update(const producer_batch_header& b, int64_t first_offset) {
    if (b.producer_id < 0) return;
    producer_entry& e = _producers[b.producer_id];
    if (b.epoch != e.epoch) {
        e.batches.clear();
        e.epoch = b.epoch;
    }
    producer_batch m;
    m.first_sequence = b.base_sequence;
    m.last_sequence = last_sequence_of(b.base_sequence, b.last_offset_delta);
    m.first_offset = first_offset;
    m.last_offset = first_offset + b.last_offset_delta;
    m.timestamp = b.max_timestamp;
    e.batches.push_back(m);
    if (e.batches.size() > batches_kept) e.batches.pop_front();
    e.last_timestamp = std::max(e.last_timestamp, b.max_timestamp);
}

size_t producer_state::remove_below(int64_t offset) {
    return std::erase_if(_producers, [&](const auto& p) {
        return p.second.batches.empty() || p.second.batches.back().last_offset < offset;
    });
}

size_t producer_state::expire(int64_t now_ms, int64_t expiration_ms) {
    if (expiration_ms < 0) return 0;
    return std::erase_if(_producers, [&](const auto& p) {
        return p.second.last_timestamp < now_ms - expiration_ms;
    });
}

const producer_entry* producer_state::find(int64_t producer_id) const {
    auto it = _producers.find(producer_id);
    return it == _producers.end() ? nullptr : &it->second;
}

std::vector<uint8_t> producer_state::encode_snapshot() const {
    std::vector<uint8_t> out(snapshot_header_bytes);
    for (const auto& [id, e] : _producers) {
        if (e.batches.empty()) continue;
        const producer_batch& m = e.batches.back();
        uint8_t entry[snapshot_entry_bytes];
        uint8_t* p = entry;
        common::store_be64(p, static_cast<uint64_t>(id)), p += 8;
        common::store_be16(p, static_cast<uint16_t>(e.epoch)), p += 2;
        common::store_be32(p, static_cast<uint32_t>(m.last_sequence)), p += 4;
        common::store_be64(p, static_cast<uint64_t>(m.last_offset)), p += 8;
        common::store_be32(p, static_cast<uint32_t>(m.last_offset - m.first_offset)), p += 4;
        common::store_be64(p, static_cast<uint64_t>(e.last_timestamp)), p += 8;
        common::store_be32(p, static_cast<uint32_t>(-1)), p += 4;  // coordinator epoch
        common::store_be64(p, static_cast<uint64_t>(-1));          // no open transaction
        out.insert(out.end(), entry, entry + sizeof entry);
    }
    const auto count =
        static_cast<uint32_t>((out.size() - snapshot_header_bytes) / snapshot_entry_bytes);
    common::store_be16(out.data(), static_cast<uint16_t>(snapshot_version));
    common::store_be32(out.data() + 6, count);
    common::store_be32(out.data() + 2, common::crc32c(out.data() + 6, out.size() - 6));
    return out;
}

result<producer_state> producer_state::decode_snapshot(std::span<const uint8_t> bytes) {
    if (bytes.size() < snapshot_header_bytes) return fail(errc::corrupt_index);
    if (static_cast<int16_t>(common::load_be16(bytes.data())) != snapshot_version) {
        return fail(errc::corrupt_index);
    }
    if (common::crc32c(bytes.data() + 6, bytes.size() - 6) != common::load_be32(bytes.data() + 2)) {
        return fail(errc::corrupt_index);
    }
    const uint32_t count = common::load_be32(bytes.data() + 6);
    if ((bytes.size() - snapshot_header_bytes) != uint64_t{count} * snapshot_entry_bytes) {
        return fail(errc::corrupt_index);
    }
    producer_state s;
    const uint8_t* p = bytes.data() + snapshot_header_bytes;
    for (uint32_t i = 0; i < count; ++i, p += snapshot_entry_bytes) {
        const auto id = static_cast<int64_t>(common::load_be64(p));
        producer_entry e;
        e.epoch = static_cast<int16_t>(common::load_be16(p + 8));
        producer_batch m;
        m.last_sequence = static_cast<int32_t>(common::load_be32(p + 10));
        m.last_offset = static_cast<int64_t>(common::load_be64(p + 14));
        const auto delta = static_cast<int32_t>(common::load_be32(p + 22));
        e.last_timestamp = static_cast<int64_t>(common::load_be64(p + 26));
        if (id < 0 || delta < 0 || m.last_offset < delta) return fail(errc::corrupt_index);
        m.first_offset = m.last_offset - delta;
        // The first sequence of the last batch: last - delta, undoing the wrap.
        m.first_sequence = m.last_sequence >= delta ? m.last_sequence - delta
                                                    : INT32_MAX - (delta - m.last_sequence) + 1;
        m.timestamp = e.last_timestamp;
        e.batches.push_back(m);
        s._producers[id] = std::move(e);
    }
    return s;
}

std::filesystem::path producer_snapshot_path(const std::filesystem::path& dir, int64_t offset) {
    char name[32];
    std::snprintf(name, sizeof name, "%020lld.snapshot", static_cast<long long>(offset));
    return dir / name;
}

std::vector<int64_t> list_producer_snapshots(const std::filesystem::path& dir) {
    std::vector<int64_t> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const auto& p = entry.path();
        const std::string stem = p.stem().string();
        if (p.extension() != ".snapshot" || stem.size() != 20 ||
            !std::all_of(stem.begin(), stem.end(), ::isdigit)) {
            continue;
        }
        out.push_back(std::stoll(stem));
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace sluice::storage
