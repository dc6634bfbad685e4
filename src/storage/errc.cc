#include "sluice/storage/errc.h"

namespace sluice::storage {

const char* describe(errc e) {
    switch (e) {
        case errc::batch_too_short:
            return "record batch shorter than the 61-byte v2 header";
        case errc::batch_length_mismatch:
            return "record batch length field does not match its size";
        case errc::unsupported_magic:
            return "record batch magic is not 2";
        case errc::crc_mismatch:
            return "record batch CRC-32C mismatch";
        case errc::invalid_record_count:
            return "record batch record count is invalid";
        case errc::invalid_record:
            return "record inside the batch is malformed";
        case errc::offset_delta_mismatch:
            return "record offset deltas are not 0,1,2,...";
        case errc::batch_too_large:
            return "record batch larger than max.message.bytes";
        case errc::corrupt_compression:
            return "compressed records do not decompress (damaged, or larger than 64 MiB)";
        case errc::out_of_order_sequence:
            return "producer sequence number out of order";
        case errc::invalid_producer_epoch:
            return "producer epoch older than the latest one for this producer id";
        case errc::io_error:
            return "I/O error";
        case errc::corrupt_log:
            return "log segment is corrupt";
        case errc::corrupt_index:
            return "index or checkpoint file is corrupt";
        case errc::offset_out_of_range:
            return "offset out of range";
        case errc::log_offline:
            return "log is offline after an earlier error";
        case errc::not_found:
            return "not found";
    }
    return "unknown storage error";
}

}  // namespace sluice::storage
