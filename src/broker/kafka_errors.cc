#include "kafka_errors.h"

namespace sluice::broker {

protocol::kafka_error to_kafka_error(storage::errc e) {
    using protocol::kafka_error;
    switch (e) {
        case storage::errc::batch_too_short:
        case storage::errc::batch_length_mismatch:
        case storage::errc::crc_mismatch:
        case storage::errc::corrupt_compression:
            return kafka_error::corrupt_message;
        case storage::errc::unsupported_magic:
            return kafka_error::unsupported_for_message_format;
        case storage::errc::invalid_record_count:
        case storage::errc::invalid_record:
        case storage::errc::offset_delta_mismatch:
            return kafka_error::invalid_record;
        case storage::errc::batch_too_large:
            return kafka_error::message_too_large;
        case storage::errc::out_of_order_sequence:
            return kafka_error::out_of_order_sequence_number;
        case storage::errc::invalid_producer_epoch:
            return kafka_error::invalid_producer_epoch;
        case storage::errc::offset_out_of_range:
            return kafka_error::offset_out_of_range;
        case storage::errc::not_found:
            return kafka_error::unknown_topic_or_partition;
        case storage::errc::io_error:
        case storage::errc::corrupt_log:
        case storage::errc::corrupt_index:
        case storage::errc::log_offline:
            return kafka_error::kafka_storage_error;
    }
    return kafka_error::unknown_server_error;
}

}  // namespace sluice::broker
