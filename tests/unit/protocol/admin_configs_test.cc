// DescribeConfigs (32) and DescribeCluster (60): our codec against bytes from an independent
// encoder (kafka-python) for the classic versions, against bytes worked out by hand from
// Kafka's JSON schemas for the flexible ones, and round trips at every valid version.
//
// The kafka-python constants were made once, offline, with kafka-python 2.0.2 (Debian
// python3-kafka) under /usr/bin/python3: `m = kafka.protocol.admin.<Class>_v<N>(<args>);
// m.encode().hex()`, with the call written above each constant and the same values as the
// C++ sample next to it. kafka-python stops at DescribeConfigs v2 and has no DescribeCluster,
// which is flexible in every version: its bytes are all worked out by hand.

#include <gtest/gtest.h>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/protocol/kafka_error.h"
#include "sluice/protocol/messages/describe_cluster.h"
#include "sluice/protocol/messages/describe_configs.h"

#include "wire_test_util.h"

namespace sluice::protocol::testing {
namespace {

// ---------------------------------------------------------------------------------------
// DescribeConfigs

describe_configs_request configs_request() {
    describe_configs_request m;
    m.resources = {
        {2, "orders", std::vector<std::string>{"cleanup.policy", "retention.ms"}},
        {4, "1", std::nullopt},
    };
    m.include_synonyms = true;
    return m;
}

// DescribeConfigsRequest_v0([(2, "orders", ["cleanup.policy", "retention.ms"]), (4, "1", None)])
// and _v1/_v2(<same>, True).
constexpr std::string_view configs_request_v0 =
    "000000020200066f726465727300000002000e636c65616e75702e706f6c696379000c726574656e74696f"
    "6e2e6d7304000131ffffffff";
constexpr std::string_view configs_request_v1 =
    "000000020200066f726465727300000002000e636c65616e75702e706f6c696379000c726574656e74696f"
    "6e2e6d7304000131ffffffff01";

TEST(admin_describe_configs, request_matches_kafka_python) {
    auto v0 = check_wire(configs_request(), 0, configs_request_v0);
    EXPECT_FALSE(v0.include_synonyms);
    EXPECT_EQ(v0.resources[0].configuration_keys->at(1), "retention.ms");
    EXPECT_FALSE(v0.resources[1].configuration_keys);  // null: all keys
    // v1 (librdkafka) and v2 (kafka-python, kafkajs, Java) share one layout.
    for (int16_t v = 1; v <= 2; ++v) {
        auto back = check_wire(configs_request(), v, configs_request_v1);
        EXPECT_TRUE(back.include_synonyms);
        EXPECT_EQ(back.resources[1].resource_type, 4);
    }
}

TEST(admin_describe_configs, request_v4_by_hand) {
    describe_configs_request m;
    m.resources = {{2, "t", std::nullopt}};
    m.include_synonyms = true;
    // resources: 1+1 | type 2 | name "t" | keys null | tags | synonyms | documentation | tags
    auto back = check_wire(m, 4, "02 | 02 | 02 74 | 00 | 00 | 01 | 00 | 00");
    EXPECT_FALSE(back.resources[0].configuration_keys);
}

describe_configs_result orders_result(std::vector<describe_configs_resource_result> configs) {
    return {0, std::nullopt, 2, "orders", std::move(configs)};
}

// DescribeConfigsResponse_v0(0, [(0, None, 2, "orders", [
//     ("cleanup.policy", "compact", False, False, False),
//     ("retention.ms", "604800000", False, True, False)])])
constexpr std::string_view configs_response_v0 =
    "00000000000000010000ffff0200066f726465727300000002000e636c65616e75702e706f6c6963790007"
    "636f6d70616374000000000c726574656e74696f6e2e6d730009363034383030303030000100";

TEST(admin_describe_configs, response_v0_matches_kafka_python) {
    describe_configs_response m;
    describe_configs_resource_result cleanup;
    cleanup.name = "cleanup.policy";
    cleanup.value = "compact";
    describe_configs_resource_result retention;
    retention.name = "retention.ms";
    retention.value = "604800000";
    retention.is_default = true;
    m.results = {orders_result({cleanup, retention})};
    auto back = check_wire(m, 0, configs_response_v0);
    ASSERT_EQ(back.results.size(), 1u);
    EXPECT_FALSE(back.results[0].error_message);
    EXPECT_TRUE(back.results[0].configs[1].is_default);
    EXPECT_EQ(back.results[0].configs[1].config_source, -1);  // not in v0: the Kafka default
}

// kafka-python's v1 schema still names the byte after read_only `is_default`; Kafka's v1 has
// config_source there, one byte either way, so its True is config_source 1
// (DYNAMIC_TOPIC_CONFIG). DescribeConfigsResponse_v1(0, [(0, None, 2, "orders", [
//     ("cleanup.policy", "compact", False, True, False,
//      [("cleanup.policy", "compact", 1), ("log.cleanup.policy", "delete", 5)])])])
constexpr std::string_view configs_response_v1 =
    "00000000000000010000ffff0200066f726465727300000001000e636c65616e75702e706f6c6963790007"
    "636f6d7061637400010000000002000e636c65616e75702e706f6c6963790007636f6d706163740100126c"
    "6f672e636c65616e75702e706f6c696379000664656c65746505";

// DescribeConfigsResponse_v2(3, [
//     (0, None, 2, "orders", [
//         ("cleanup.policy", "compact", False, 1, False, [("cleanup.policy", "compact", 1)]),
//         ("sasl.jaas.config", None, True, 4, True, [])]),
//     (40, "bad", 4, "9", [])])
constexpr std::string_view configs_response_v2 =
    "00000003000000020000ffff0200066f726465727300000002000e636c65616e75702e706f6c6963790007"
    "636f6d7061637400010000000001000e636c65616e75702e706f6c6963790007636f6d7061637401001073"
    "61736c2e6a6161732e636f6e666967ffff01040100000000002800036261640400013900000000";

TEST(admin_describe_configs, response_v1_v2_match_kafka_python) {
    describe_configs_resource_result cleanup;
    cleanup.name = "cleanup.policy";
    cleanup.value = "compact";
    cleanup.config_source = 1;
    cleanup.synonyms = {{"cleanup.policy", "compact", 1}, {"log.cleanup.policy", "delete", 5}};
    describe_configs_response v1;
    v1.results = {orders_result({cleanup})};
    auto back1 = check_wire(v1, 1, configs_response_v1);
    EXPECT_EQ(back1.results[0].configs[0].config_source, 1);
    EXPECT_EQ(back1.results[0].configs[0].synonyms[1].source, 5);

    describe_configs_resource_result jaas;
    jaas.name = "sasl.jaas.config";
    jaas.value = std::nullopt;
    jaas.read_only = true;
    jaas.config_source = 4;
    jaas.is_sensitive = true;
    cleanup.synonyms.resize(1);
    describe_configs_response v2;
    v2.throttle_time_ms = 3;
    v2.results = {orders_result({cleanup, jaas}),
                  {kafka_error_code(kafka_error::invalid_config), "bad", 4, "9", {}}};
    auto back2 = check_wire(v2, 2, configs_response_v2);
    EXPECT_EQ(back2.throttle_time_ms, 3);
    EXPECT_FALSE(back2.results[0].configs[1].value);
    EXPECT_TRUE(back2.results[0].configs[1].is_sensitive);
    EXPECT_EQ(back2.results[1].error_code, 40);
    EXPECT_EQ(back2.results[1].error_message, "bad");
}

TEST(admin_describe_configs, response_v4_by_hand) {
    describe_configs_resource_result a;
    a.name = "a";
    a.value = "1";
    a.config_source = 5;
    a.config_type = 3;
    a.documentation = std::nullopt;
    describe_configs_response m;
    m.results = {{0, std::nullopt, 2, "t", {a}}};
    constexpr std::string_view hand =
        "00000000 | 02"                    // throttle | results: 1+1
        " | 0000 | 00 | 02 | 02 74 | 02"   // error | message null | type 2 | "t" | configs: 1+1
        " | 02 61 | 02 31 | 00 | 05 | 00"  // "a" | "1" | read_only | source 5 | sensitive
        " | 01 | 03 | 00 | 00"             // synonyms: 0+1 | type 3 | documentation null | tags
        " | 00 | 00";                      // result tags | message tags
    auto back = check_wire(m, 4, hand);
    EXPECT_EQ(back.results[0].configs[0].config_type, 3);
    EXPECT_FALSE(back.results[0].configs[0].documentation);
}

TEST(admin_describe_configs, every_version_round_trips) {
    auto req = configs_request();
    req.include_documentation = true;
    round_trip_all(req, [](const describe_configs_request& d, int16_t v) {
        EXPECT_EQ(d.include_synonyms, v >= 1) << v;
        EXPECT_EQ(d.include_documentation, v >= 3) << v;
        EXPECT_FALSE(d.resources[1].configuration_keys) << v;
    });
    describe_configs_resource_result c;
    c.name = "segment.bytes";
    c.value = "1073741824";
    c.is_default = true;
    c.config_source = 5;
    c.synonyms = {{"log.segment.bytes", std::nullopt, 5}};
    c.config_type = 3;
    c.documentation = "Segment file size.";
    describe_configs_response resp;
    resp.throttle_time_ms = 1;
    resp.results = {orders_result({c})};
    round_trip_all(resp, [](const describe_configs_response& d, int16_t v) {
        const auto& r = d.results[0].configs[0];
        EXPECT_EQ(r.is_default, v == 0) << v;
        EXPECT_EQ(r.config_source, v >= 1 ? 5 : -1) << v;
        EXPECT_EQ(r.synonyms.size(), v >= 1 ? 1u : 0u) << v;
        EXPECT_EQ(r.config_type, v >= 3 ? 3 : 0) << v;
        EXPECT_EQ(r.documentation, v >= 3 ? "Segment file size." : "") << v;
    });
    // A short entry, smaller at v0 than its fields of all versions together: the bound on
    // an array count must count only the fields of the version decoded.
    describe_configs_resource_result small;
    small.name = "a";
    small.value = "1";
    resp.results = {orders_result({small})};
    round_trip_all(resp, [](const describe_configs_response& d, int16_t v) {
        EXPECT_EQ(d.results[0].configs[0].value, "1") << v;
    });
    expect_prefixes_fail(req, 4);
    expect_prefixes_fail(resp, 4);
}

// ---------------------------------------------------------------------------------------
// DescribeCluster (flexible in every version: no kafka-python reference)

TEST(admin_describe_cluster, request_by_hand) {
    describe_cluster_request m;
    m.include_cluster_authorized_operations = true;
    check_wire(m, 0, "01 | 00");  // include | tags
    m.include_cluster_authorized_operations = false;
    m.endpoint_type = 2;
    auto back = check_wire(m, 1, "00 | 02 | 00");  // include | endpoint type | tags
    EXPECT_EQ(back.endpoint_type, 2);
    auto v0 = decode_message<describe_cluster_request>(h("00 00"), 0);
    ASSERT_TRUE(v0);
    EXPECT_EQ(v0->endpoint_type, 1);  // not in v0: the Kafka default (brokers)
}

describe_cluster_response cluster_response() {
    describe_cluster_response m;
    m.cluster_id = "c";
    m.controller_id = 1;
    m.brokers = {{1, "h", 9092, std::nullopt}};
    return m;
}

TEST(admin_describe_cluster, response_by_hand) {
    constexpr std::string_view v0_hand =
        "00000000 | 0000 | 00"             // throttle | error | message null
        " | 02 63 | 00000001"              // cluster id "c" | controller 1
        " | 02 | 00000001 02 68 00002384"  // brokers: 1+1 | id 1, host "h", port 9092
        " | 00 | 00"                       // rack null | broker tags
        " | 80000000 | 00";                // authorized operations INT32_MIN | tags
    auto back = check_wire(cluster_response(), 0, v0_hand);
    EXPECT_EQ(back.brokers[0].port, 9092);
    EXPECT_FALSE(back.brokers[0].rack);
    EXPECT_EQ(back.cluster_authorized_operations, INT32_MIN);
    auto m = cluster_response();
    m.endpoint_type = 2;
    m.brokers[0].rack = "r";
    constexpr std::string_view v1_hand =
        "00000000 | 0000 | 00 | 02"  // throttle | error | message null | endpoint 2
        " | 02 63 | 00000001"
        " | 02 | 00000001 02 68 00002384 | 02 72 | 00"  // rack "r"
        " | 80000000 | 00";
    auto back1 = check_wire(m, 1, v1_hand);
    EXPECT_EQ(back1.endpoint_type, 2);
    EXPECT_EQ(back1.brokers[0].rack, "r");
}

TEST(admin_describe_cluster, every_version_round_trips) {
    describe_cluster_request req;
    req.include_cluster_authorized_operations = true;
    req.endpoint_type = 2;
    round_trip_all(req, [](const describe_cluster_request& d, int16_t v) {
        EXPECT_TRUE(d.include_cluster_authorized_operations);
        EXPECT_EQ(d.endpoint_type, v >= 1 ? 2 : 1) << v;
    });
    auto resp = cluster_response();
    resp.error_code = kafka_error_code(kafka_error::cluster_authorization_failed);
    resp.error_message = "denied";
    resp.endpoint_type = 2;
    resp.brokers.push_back({2, "broker-2", 9093, "rack-b"});
    round_trip_all(resp, [](const describe_cluster_response& d, int16_t v) {
        EXPECT_EQ(d.error_message, "denied");
        EXPECT_EQ(d.endpoint_type, v >= 1 ? 2 : 1) << v;
        EXPECT_EQ(d.brokers[1].rack, "rack-b");
    });
    expect_prefixes_fail(req, 1);
    expect_prefixes_fail(resp, 1);
}

}  // namespace
}  // namespace sluice::protocol::testing
