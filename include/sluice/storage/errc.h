#pragma once
// Errors of the storage module: one closed enum. The broker maps these to Kafka error
// codes in exactly one place (a switch with no default).

#include "sluice/common/result.h"

namespace sluice::storage {

enum class errc {
    // RecordBatch v2 validation (a bad batch is refused and never written).
    batch_too_short = 1,    // fewer bytes than a v2 batch header (61)
    batch_length_mismatch,  // batchLength does not match the bytes given
    unsupported_magic,      // magic byte is not 2
    crc_mismatch,           // CRC-32C over attributes..end differs from the header's
    invalid_record_count,   // record count < 1, or disagrees with lastOffsetDelta
    invalid_record,         // a record's framing/varints are malformed or overrun the batch
    offset_delta_mismatch,  // record i does not carry offsetDelta i
    batch_too_large,        // larger than max.message.bytes
    corrupt_compression,    // compressed records that do not decompress, or to too much
    // Idempotent producers (a batch with a producer id).
    out_of_order_sequence,   // the batch's first sequence does not follow the last one
    invalid_producer_epoch,  // the batch's producer epoch is older than the latest seen
    // Log and files.
    io_error,             // a read/write/fsync failed; the errno was logged
    corrupt_log,          // corruption before the tail: the partition goes offline
    corrupt_index,        // an index or checkpoint file fails its sanity check
    offset_out_of_range,  // read or truncate outside [log_start, log_end]
    log_offline,          // an earlier fatal error took this log offline
    not_found,            // a file or entry that should exist does not
};

template <class T>
using result = common::result<T, errc>;
using common::fail;

/// A short English description, for logs and error messages.
const char* describe(errc e);

}  // namespace sluice::storage
