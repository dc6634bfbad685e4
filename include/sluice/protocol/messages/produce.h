#pragma once
// Produce (key 0). Versions 0-11, flexible from 9.
//
// Nested structs keep Kafka's name in snake_case (ProduceRequest.json, ProduceResponse.json),
// prefixed with the API where Kafka's name alone would not say which message it belongs to.
// leader_id_and_epoch and node_endpoint are shared with Fetch (KIP-951 leader discovery).

#include <cstdint>

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

/// The current leader of a partition, sent with NOT_LEADER_OR_FOLLOWER (KIP-951) and by
/// Fetch for KRaft (KIP-595). Tagged in both responses; fields exist from the first version
/// that can carry the struct (Produce 10, Fetch 12).
struct leader_id_and_epoch {
    int32_t leader_id = -1;
    int32_t leader_epoch = -1;

    static constexpr auto fields() {
        using T = leader_id_and_epoch;
        return std::tuple{
            field<&T::leader_id>("LeaderId", since(10)),
            field<&T::leader_epoch>("LeaderEpoch", since(10)),
        };
    }
};

/// A broker address for the leaders named in leader_id_and_epoch (Produce 10+, Fetch 16+).
struct node_endpoint {
    int32_t node_id = 0;
    std::string host;
    int32_t port = 0;
    std::optional<std::string> rack;

    static constexpr auto fields() {
        using T = node_endpoint;
        return std::tuple{
            field<&T::node_id>("NodeId", since(10)),
            field<&T::host>("Host", since(10)),
            field<&T::port>("Port", since(10)),
            field<&T::rack>("Rack", since(10), since(10)),
        };
    }
};

struct partition_produce_data {
    int32_t index = 0;
    bytes_view records;  // record batches, a view into the request

    static constexpr auto fields() {
        using T = partition_produce_data;
        return std::tuple{
            field<&T::index>("Index", since(0)),
            field<&T::records>("Records", since(0), since(0)),
        };
    }
};

struct topic_produce_data {
    std::string name;
    std::vector<partition_produce_data> partition_data;

    static constexpr auto fields() {
        using T = topic_produce_data;
        return std::tuple{
            field<&T::name>("Name", since(0)),
            field<&T::partition_data>("PartitionData", since(0)),
        };
    }
};

// ProduceRequest: key 0, valid 0-11, flexible 9+.
struct produce_request {
    static constexpr int16_t api_key = 0;
    static constexpr versions valid = between(0, 11);
    static constexpr versions flexible = since(9);

    std::optional<std::string> transactional_id;
    int16_t acks = 0;
    int32_t timeout_ms = 0;
    std::vector<topic_produce_data> topic_data;

    static constexpr auto fields() {
        using T = produce_request;
        return std::tuple{
            field<&T::transactional_id>("TransactionalId", since(3), since(3)),
            field<&T::acks>("Acks", since(0)),
            field<&T::timeout_ms>("TimeoutMs", since(0)),
            field<&T::topic_data>("TopicData", since(0)),
        };
    }
};

/// One record that made the broker drop its batch (KIP-467).
struct batch_index_and_error_message {
    int32_t batch_index = 0;
    std::optional<std::string> batch_index_error_message;

    static constexpr auto fields() {
        using T = batch_index_and_error_message;
        return std::tuple{
            field<&T::batch_index>("BatchIndex", since(8)),
            field<&T::batch_index_error_message>("BatchIndexErrorMessage", since(8), since(8)),
        };
    }
};

struct partition_produce_response {
    int32_t index = 0;
    int16_t error_code = 0;
    int64_t base_offset = 0;
    int64_t log_append_time_ms = -1;
    int64_t log_start_offset = -1;
    std::vector<batch_index_and_error_message> record_errors;
    std::optional<std::string> error_message;
    std::optional<leader_id_and_epoch> current_leader;  // tag 0

    static constexpr auto fields() {
        using T = partition_produce_response;
        return std::tuple{
            field<&T::index>("Index", since(0)),
            field<&T::error_code>("ErrorCode", since(0)),
            field<&T::base_offset>("BaseOffset", since(0)),
            field<&T::log_append_time_ms>("LogAppendTimeMs", since(2)),
            field<&T::log_start_offset>("LogStartOffset", since(5)),
            field<&T::record_errors>("RecordErrors", since(8)),
            field<&T::error_message>("ErrorMessage", since(8), since(8)),
            tagged<&T::current_leader>("CurrentLeader", 0, since(10)),
        };
    }
};

struct topic_produce_response {
    std::string name;
    std::vector<partition_produce_response> partition_responses;

    static constexpr auto fields() {
        using T = topic_produce_response;
        return std::tuple{
            field<&T::name>("Name", since(0)),
            field<&T::partition_responses>("PartitionResponses", since(0)),
        };
    }
};

// ProduceResponse: key 0, valid 0-11, flexible 9+.
struct produce_response {
    static constexpr int16_t api_key = 0;
    static constexpr versions valid = between(0, 11);
    static constexpr versions flexible = since(9);

    std::vector<topic_produce_response> responses;
    int32_t throttle_time_ms = 0;
    std::vector<node_endpoint> node_endpoints;  // tag 0

    static constexpr auto fields() {
        using T = produce_response;
        return std::tuple{
            field<&T::responses>("Responses", since(0)),
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(1)),
            tagged<&T::node_endpoints>("NodeEndpoints", 0, since(10)),
        };
    }
};

}  // namespace sluice::protocol
