// The log's idempotent-producer state: rebuilt at open (and after truncation) from the
// newest producer snapshot at or below the log end plus the batches after it, written as
// a snapshot at each roll and at close, and the retries answered with their original
// offsets once those are durable. The rules are in producer_state.h.

#include <cinttypes>

#include "sluice/common/logger.h"
#include "sluice/storage/file_util.h"
#include "sluice/storage/log.h"

namespace sluice::storage {

result<void> log::rebuild_producer_state() {
    _producers.clear();
    int64_t from = _segments.begin()->first;
    std::error_code ec;
    const auto snapshots = list_producer_snapshots(_dir);
    for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it) {
        const auto path = producer_snapshot_path(_dir, *it);
        if (*it > _next_offset) {
            // Taken at a roll whose batches did not all survive the crash, or before a
            // truncation: it describes offsets the log no longer has.
            std::filesystem::remove(path, ec);
            continue;
        }
        auto bytes = read_file(path);
        if (!bytes) continue;
        auto state = producer_state::decode_snapshot(*bytes);
        if (!state) {
            SLUICE_LOG(warn, "storage", "ignoring damaged producer snapshot %s", path.c_str());
            std::filesystem::remove(path, ec);
            continue;
        }
        _producers = std::move(state).value();
        from = std::max(from, *it);
        break;
    }
    size_t scanned = 0;
    for (const auto& [base, seg] : _segments) {
        if (seg->next_offset() <= from) continue;
        const uint64_t bound = seg->written_bytes();
        auto h = seg->find_batch(from, bound);
        for (; h; h = seg->read_header(h->position + h->size_bytes, bound)) {
            if (h->base_offset < from || h->producer_id < 0) continue;
            producer_batch_header b{h->producer_id, h->producer_epoch, h->base_sequence,
                                    static_cast<int32_t>(h->last_offset - h->base_offset),
                                    h->max_timestamp};
            _producers.update(b, h->base_offset);
            ++scanned;
        }
    }
    _producers.remove_below(_log_start_offset);
    if (_producers.size() > 0) {
        SLUICE_LOG(debug, "storage",
                   "%s: %zu idempotent producer(s) known (snapshot at %" PRId64
                   ", %zu later batch(es) read)",
                   _dir.c_str(), _producers.size(), from, scanned);
    }
    return {};
}

void log::take_producer_snapshot(int64_t offset) {
    const auto bytes = _producers.encode_snapshot();
    if (auto r = write_file_atomic(producer_snapshot_path(_dir, offset), bytes); !r) {
        // Not fatal: the next open reads more batches instead.
        SLUICE_LOG(warn, "storage", "%s: cannot write the producer snapshot at %" PRId64 ": %s",
                   _dir.c_str(), offset, describe(r.error()));
        return;
    }
    const auto snapshots = list_producer_snapshots(_dir);
    std::error_code ec;
    for (size_t i = 0; i + 2 < snapshots.size(); ++i) {
        std::filesystem::remove(producer_snapshot_path(_dir, snapshots[i]), ec);
    }
}

void log::notify_duplicates() {
    std::erase_if(_duplicate_waiters, [&](const auto& d) {
        if (d.first > _durable_end) return false;
        d.second->on_written({});
        d.second->on_durable({});
        return true;
    });
}

size_t log::expire_producers(int64_t now_ms, int64_t expiration_ms) {
    return _producers.expire(now_ms, expiration_ms);
}

}  // namespace sluice::storage
