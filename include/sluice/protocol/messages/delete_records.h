#pragma once
// DeleteRecords (key 21). Versions 0-2, flexible from 2; the layout never changes otherwise.
// Moves each partition's log start offset up to `offset` (-1: the high watermark).

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

struct delete_records_partition {
    int32_t partition_index = 0;
    int64_t offset = 0;

    static constexpr auto fields() {
        using T = delete_records_partition;
        return std::tuple{
            field<&T::partition_index>("PartitionIndex", since(0)),
            field<&T::offset>("Offset", since(0)),
        };
    }
};

struct delete_records_topic {
    std::string name;
    std::vector<delete_records_partition> partitions;

    static constexpr auto fields() {
        using T = delete_records_topic;
        return std::tuple{
            field<&T::name>("Name", since(0)),
            field<&T::partitions>("Partitions", since(0)),
        };
    }
};

struct delete_records_request {
    static constexpr int16_t api_key = 21;
    static constexpr versions valid = between(0, 2);
    static constexpr versions flexible = since(2);

    std::vector<delete_records_topic> topics;
    int32_t timeout_ms = 0;

    static constexpr auto fields() {
        using T = delete_records_request;
        return std::tuple{
            field<&T::topics>("Topics", since(0)),
            field<&T::timeout_ms>("TimeoutMs", since(0)),
        };
    }
};

struct delete_records_partition_result {
    int32_t partition_index = 0;
    int64_t low_watermark = 0;
    int16_t error_code = 0;

    static constexpr auto fields() {
        using T = delete_records_partition_result;
        return std::tuple{
            field<&T::partition_index>("PartitionIndex", since(0)),
            field<&T::low_watermark>("LowWatermark", since(0)),
            field<&T::error_code>("ErrorCode", since(0)),
        };
    }
};

struct delete_records_topic_result {
    std::string name;
    std::vector<delete_records_partition_result> partitions;

    static constexpr auto fields() {
        using T = delete_records_topic_result;
        return std::tuple{
            field<&T::name>("Name", since(0)),
            field<&T::partitions>("Partitions", since(0)),
        };
    }
};

struct delete_records_response {
    static constexpr int16_t api_key = 21;
    static constexpr versions valid = between(0, 2);
    static constexpr versions flexible = since(2);

    int32_t throttle_time_ms = 0;
    std::vector<delete_records_topic_result> topics;

    static constexpr auto fields() {
        using T = delete_records_response;
        return std::tuple{
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(0)),
            field<&T::topics>("Topics", since(0)),
        };
    }
};

}  // namespace sluice::protocol
