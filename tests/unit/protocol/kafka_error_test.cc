// Kafka error codes: a sample of numbers and names against Kafka's Errors.java (Kafka 3.8),
// and the completeness of the name and message tables.

#include "sluice/protocol/kafka_error.h"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

namespace sluice::protocol {
namespace {

TEST(kafka_error, sample_codes_and_names_match_kafka) {
    struct known {
        kafka_error e;
        int16_t code;
        const char* name;
    };
    // Numbers from Kafka's Errors.java; those up to 69 also agree with kafka-python 2.0.2's
    // kafka/errors.py (which spells some of the older names differently).
    const known table[] = {
        {kafka_error::unknown_server_error, -1, "UNKNOWN_SERVER_ERROR"},
        {kafka_error::none, 0, "NONE"},
        {kafka_error::offset_out_of_range, 1, "OFFSET_OUT_OF_RANGE"},
        {kafka_error::corrupt_message, 2, "CORRUPT_MESSAGE"},
        {kafka_error::unknown_topic_or_partition, 3, "UNKNOWN_TOPIC_OR_PARTITION"},
        {kafka_error::not_leader_or_follower, 6, "NOT_LEADER_OR_FOLLOWER"},
        {kafka_error::request_timed_out, 7, "REQUEST_TIMED_OUT"},
        {kafka_error::message_too_large, 10, "MESSAGE_TOO_LARGE"},
        {kafka_error::not_coordinator, 16, "NOT_COORDINATOR"},
        {kafka_error::invalid_topic_exception, 17, "INVALID_TOPIC_EXCEPTION"},
        {kafka_error::record_list_too_large, 18, "RECORD_LIST_TOO_LARGE"},
        {kafka_error::not_enough_replicas, 19, "NOT_ENOUGH_REPLICAS"},
        {kafka_error::invalid_required_acks, 21, "INVALID_REQUIRED_ACKS"},
        {kafka_error::unknown_member_id, 25, "UNKNOWN_MEMBER_ID"},
        {kafka_error::rebalance_in_progress, 27, "REBALANCE_IN_PROGRESS"},
        {kafka_error::topic_authorization_failed, 29, "TOPIC_AUTHORIZATION_FAILED"},
        {kafka_error::unsupported_version, 35, "UNSUPPORTED_VERSION"},
        {kafka_error::topic_already_exists, 36, "TOPIC_ALREADY_EXISTS"},
        {kafka_error::invalid_partitions, 37, "INVALID_PARTITIONS"},
        {kafka_error::invalid_replication_factor, 38, "INVALID_REPLICATION_FACTOR"},
        {kafka_error::invalid_replica_assignment, 39, "INVALID_REPLICA_ASSIGNMENT"},
        {kafka_error::invalid_config, 40, "INVALID_CONFIG"},
        {kafka_error::not_controller, 41, "NOT_CONTROLLER"},
        {kafka_error::invalid_request, 42, "INVALID_REQUEST"},
        {kafka_error::unsupported_for_message_format, 43, "UNSUPPORTED_FOR_MESSAGE_FORMAT"},
        {kafka_error::policy_violation, 44, "POLICY_VIOLATION"},
        {kafka_error::out_of_order_sequence_number, 45, "OUT_OF_ORDER_SEQUENCE_NUMBER"},
        {kafka_error::invalid_producer_epoch, 47, "INVALID_PRODUCER_EPOCH"},
        {kafka_error::concurrent_transactions, 51, "CONCURRENT_TRANSACTIONS"},
        {kafka_error::kafka_storage_error, 56, "KAFKA_STORAGE_ERROR"},
        {kafka_error::unknown_producer_id, 59, "UNKNOWN_PRODUCER_ID"},
        {kafka_error::group_id_not_found, 69, "GROUP_ID_NOT_FOUND"},
        {kafka_error::topic_deletion_disabled, 73, "TOPIC_DELETION_DISABLED"},
        {kafka_error::fenced_leader_epoch, 74, "FENCED_LEADER_EPOCH"},
        {kafka_error::unknown_leader_epoch, 75, "UNKNOWN_LEADER_EPOCH"},
        {kafka_error::unsupported_compression_type, 76, "UNSUPPORTED_COMPRESSION_TYPE"},
        {kafka_error::member_id_required, 79, "MEMBER_ID_REQUIRED"},
        {kafka_error::fenced_instance_id, 82, "FENCED_INSTANCE_ID"},
        {kafka_error::invalid_record, 87, "INVALID_RECORD"},
        {kafka_error::throttling_quota_exceeded, 89, "THROTTLING_QUOTA_EXCEEDED"},
        {kafka_error::producer_fenced, 90, "PRODUCER_FENCED"},
        {kafka_error::unknown_topic_id, 100, "UNKNOWN_TOPIC_ID"},
        {kafka_error::inconsistent_topic_id, 103, "INCONSISTENT_TOPIC_ID"},
        {kafka_error::fenced_member_epoch, 110, "FENCED_MEMBER_EPOCH"},
        {kafka_error::unsupported_endpoint_type, 115, "UNSUPPORTED_ENDPOINT_TYPE"},
        {kafka_error::transaction_abortable, 120, "TRANSACTION_ABORTABLE"},
    };
    for (const auto& k : table) {
        EXPECT_EQ(kafka_error_code(k.e), k.code) << k.name;
        EXPECT_STREQ(kafka_error_name(k.e), k.name);
    }
}

TEST(kafka_error, every_code_from_minus_one_to_120_has_a_unique_name_and_a_message) {
    std::set<std::string> names;
    for (int c = -1; c <= 120; ++c) {
        auto e = static_cast<kafka_error>(c);
        std::string name = kafka_error_name(e);
        EXPECT_NE(name, "UNKNOWN_ERROR_CODE") << c;
        EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
        for (char ch : name) {
            EXPECT_TRUE(std::isupper(static_cast<unsigned char>(ch)) || ch == '_') << name;
        }
        std::string message = kafka_error_message(e);
        EXPECT_EQ(message.empty(), e == kafka_error::none) << c;
        if (!message.empty()) {
            EXPECT_EQ(message.back(), '.') << c;
        }
    }
}

TEST(kafka_error, a_code_outside_the_enum_still_has_text) {
    auto e = static_cast<kafka_error>(999);
    EXPECT_STREQ(kafka_error_name(e), "UNKNOWN_ERROR_CODE");
    EXPECT_NE(std::string(kafka_error_message(e)), "");
    EXPECT_STREQ(kafka_error_name(static_cast<kafka_error>(-2)), "UNKNOWN_ERROR_CODE");
}

}  // namespace
}  // namespace sluice::protocol
