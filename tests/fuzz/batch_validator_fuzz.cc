// libFuzzer target: the bytes are one RecordBatch as a producer might send it.
// validate_batch must refuse anything malformed without reading out of bounds; what it
// accepts must be consistent with peek_batch_size and the header view, must stay valid
// under what the log does to an accepted batch (patch the base offset and leader epoch,
// stamp LogAppendTime), and must be safe for find_offset_for_timestamp, whose answers must
// lie inside the batch and never go backwards as the target time grows. Each input is also
// tried with its CRC recomputed, so that the fuzzer reaches the record walk.
//
// Built two ways (tests/fuzz/CMakeLists.txt): as a libFuzzer executable with clang, and
// into the fuzz_corpus_replay test with SLUICE_FUZZ_ENTRY renamed, with any compiler.

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <vector>

#include "sluice/common/assert.h"
#include "sluice/common/crc32c.h"
#include "sluice/common/endian.h"
#include "sluice/storage/record_batch.h"

#ifndef SLUICE_FUZZ_ENTRY
#define SLUICE_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

namespace {

using namespace sluice::storage;

void check_peek(std::span<const uint8_t> bytes) {
    auto peek = peek_batch_size(bytes);
    if (bytes.size() < batch_log_overhead_bytes) {
        SLUICE_ASSERT(!peek, "peek_batch_size answered for %zu bytes", bytes.size());
        return;
    }
    const auto length =
        static_cast<int32_t>(sluice::common::load_be32(bytes.data() + batch_field::batch_length));
    SLUICE_ASSERT(peek.has_value() == (length >= batch_length_min), "peek for batchLength %d",
                  length);
    if (peek) {
        SLUICE_ASSERT(*peek == batch_log_overhead_bytes + static_cast<size_t>(length) &&
                          *peek >= batch_header_bytes,
                      "peek_batch_size %zu for batchLength %d", *peek, length);
    }
}

/// The timestamp lookups of an accepted batch: inside the batch, monotonic in the target.
void check_timestamp_lookup(std::span<const uint8_t> bytes, const batch_info& info) {
    int64_t targets[] = {INT64_MIN,
                         -1,
                         0,
                         info.base_timestamp,
                         info.base_timestamp + (info.base_timestamp < INT64_MAX),
                         info.max_timestamp - (info.max_timestamp > INT64_MIN),
                         info.max_timestamp,
                         info.max_timestamp + (info.max_timestamp < INT64_MAX),
                         INT64_MAX};
    std::sort(std::begin(targets), std::end(targets));
    std::optional<int64_t> previous;
    bool previous_found = true;
    for (int64_t target : targets) {
        auto found = find_offset_for_timestamp(bytes, target);
        if (found) {
            // Offsets relative to the base, so that a base near INT64_MAX cannot overflow.
            const uint64_t delta =
                static_cast<uint64_t>(*found) - static_cast<uint64_t>(info.base_offset);
            SLUICE_ASSERT(delta <= static_cast<uint64_t>(info.last_offset_delta),
                          "timestamp %lld found offset %lld outside the batch",
                          static_cast<long long>(target), static_cast<long long>(*found));
        }
        // A later target can only find a later record, and only if an earlier one did.
        SLUICE_ASSERT(previous_found || !found,
                      "timestamp %lld found an offset but a smaller target found none",
                      static_cast<long long>(target));
        if (previous && found) {
            SLUICE_ASSERT(*found >= *previous, "timestamp lookup went backwards at %lld",
                          static_cast<long long>(target));
        }
        previous = found;
        previous_found = found.has_value();
    }
}

void check_batch(std::span<const uint8_t> bytes) {
    const size_t size = bytes.size();
    check_peek(bytes);
    auto info = validate_batch(bytes, SIZE_MAX);
    if (!info) return;

    auto peek = peek_batch_size(bytes);
    SLUICE_ASSERT(peek && *peek == size && info->size_bytes == size,
                  "accepted %zu bytes but the batch says %zu", size, info->size_bytes);
    SLUICE_ASSERT(info->record_count >= 1 && info->last_offset_delta == info->record_count - 1,
                  "accepted %d records with lastOffsetDelta %d", info->record_count,
                  info->last_offset_delta);
    const record_batch_view view(bytes);
    SLUICE_ASSERT(view.base_offset() == info->base_offset &&
                      view.max_timestamp() == info->max_timestamp &&
                      view.compression() == info->compression,
                  "batch_info differs from the header view");
    // max.message.bytes counts the whole batch: the exact size passes, one less does not.
    SLUICE_ASSERT(validate_batch(bytes, size).has_value(), "refused at its own size");
    auto smaller = validate_batch(bytes, size - 1);
    SLUICE_ASSERT(!smaller && smaller.error() == errc::batch_too_large,
                  "a %zu-byte batch passed a limit of %zu", size, size - 1);

    check_timestamp_lookup(bytes, *info);

    // What the log does to an accepted batch keeps it valid.
    std::vector<uint8_t> copy(bytes.begin(), bytes.end());
    patch_base_offset(copy, 1'000'000);
    patch_partition_leader_epoch(copy, 7);
    auto patched = validate_batch(copy, SIZE_MAX);
    SLUICE_ASSERT(patched && patched->base_offset == 1'000'000, "patched batch refused");
    stamp_log_append_time(copy, 1'700'000'000'000);
    auto stamped = validate_batch(copy, SIZE_MAX);
    SLUICE_ASSERT(stamped && stamped->max_timestamp == 1'700'000'000'000 &&
                      stamped->timestamp_type == timestamp_type::log_append_time,
                  "stamped batch refused");
    check_timestamp_lookup(copy, *stamped);
}

}  // namespace

extern "C" int SLUICE_FUZZ_ENTRY(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> bytes(data, size);
    check_batch(bytes);
    // A mutated batch almost never keeps a matching CRC-32C, which would hide everything
    // behind the CRC check from the fuzzer: try the bytes again with the CRC made right.
    if (size >= batch_header_bytes) {
        std::vector<uint8_t> fixed(bytes.begin(), bytes.end());
        const size_t covered = batch_field::attributes;
        sluice::common::store_be32(fixed.data() + batch_field::crc,
                                   sluice::common::crc32c(fixed.data() + covered, size - covered));
        check_batch(fixed);
    }
    return 0;
}
