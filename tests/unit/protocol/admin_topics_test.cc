// CreateTopics (19) and DeleteTopics (20): our codec against bytes from an independent
// encoder (kafka-python) for the classic versions, against bytes worked out by hand from
// Kafka's JSON schemas for the flexible ones, and round trips at every valid version.
//
// The kafka-python constants were made once, offline, with kafka-python 2.0.2 (Debian
// python3-kafka) under /usr/bin/python3: `m = kafka.protocol.admin.<Class>_v<N>(<args>);
// m.encode().hex()`, with the call written above each constant and the same values as the
// C++ sample next to it. kafka-python stops at CreateTopics v3 and DeleteTopics v3.

#include <gtest/gtest.h>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/protocol/kafka_error.h"
#include "sluice/protocol/messages/create_topics.h"
#include "sluice/protocol/messages/delete_topics.h"

#include "wire_test_util.h"

namespace sluice::protocol::testing {
namespace {

uuid test_uuid(uint8_t first) {
    uuid id{};
    for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(first + i);
    return id;
}

// ---------------------------------------------------------------------------------------
// CreateTopics

create_topics_request create_request() {
    create_topics_request m;
    m.topics = {
        {"orders", 3, 1, {}, {{"cleanup.policy", "compact"}, {"retention.ms", std::nullopt}}},
        {"manual", -1, -1, {{0, {1, 2}}, {1, {2, 3}}}, {}},
    };
    m.timeout_ms = 30000;
    m.validate_only = true;
    return m;
}

// CreateTopicsRequest_v0(topics, 30000) and _v3(topics, 30000, True) with the topics above.
constexpr std::string_view create_request_v0 =
    "0000000200066f72646572730000000300010000000000000002000e636c65616e75702e706f6c69637900"
    "07636f6d70616374000c726574656e74696f6e2e6d73ffff00066d616e75616cffffffffffff00000002000000"
    "00000000020000000100000002000000010000000200000002000000030000000000007530";
constexpr std::string_view create_request_v3 =
    "0000000200066f72646572730000000300010000000000000002000e636c65616e75702e706f6c69637900"
    "07636f6d70616374000c726574656e74696f6e2e6d73ffff00066d616e75616cffffffffffff00000002000000"
    "0000000002000000010000000200000001000000020000000200000003000000000000753001";

TEST(admin_create_topics, request_matches_kafka_python) {
    auto v0 = check_wire(create_request(), 0, create_request_v0);
    EXPECT_FALSE(v0.validate_only);  // not in v0: the Kafka default
    ASSERT_EQ(v0.topics.size(), 2u);
    EXPECT_EQ(v0.topics[0].configs[0].value, "compact");
    EXPECT_FALSE(v0.topics[0].configs[1].value);
    EXPECT_EQ(v0.topics[1].num_partitions, -1);
    EXPECT_EQ(v0.topics[1].assignments[1].broker_ids, (std::vector<int32_t>{2, 3}));
    // v1 to v4 share one layout; kafka-python uses v3, librdkafka and Java v4.
    for (int16_t v = 1; v <= 4; ++v) {
        auto back = check_wire(create_request(), v, create_request_v3);
        EXPECT_TRUE(back.validate_only);
        EXPECT_EQ(back.timeout_ms, 30000);
    }
}

TEST(admin_create_topics, request_v5_by_hand) {
    create_topics_request m;
    m.topics = {{"t", -1, -1, {{0, {1}}}, {{"a", std::nullopt}}}};
    m.timeout_ms = 1000;
    m.validate_only = true;
    constexpr std::string_view hand =
        "02 | 02 74 | ffffffff | ffff"   // topics: 1+1 | name "t" | partitions | replication
        " | 02 00000000 02 00000001 00"  // assignments: 1+1 | partition 0 | brokers [1] | tags
        " | 02 02 61 00 00 | 00"         // configs: 1+1 | "a" | value null | tags | topic tags
        " | 000003e8 | 01 | 00";         // timeout 1000 | validate_only | message tags
    auto back = check_wire(m, 5, hand);
    EXPECT_FALSE(back.topics[0].configs[0].value);
    // An unknown tag in the message's tagged section is skipped.
    auto tagged = h(std::string(hand.substr(0, hand.size() - 2)) + "01 05 02 abcd");
    auto d = decode_message<create_topics_request>(tagged, 5);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->timeout_ms, 1000);
    EXPECT_TRUE(d->validate_only);
}

create_topics_response create_response() {
    create_topics_response m;
    m.throttle_time_ms = 5;
    m.topics.resize(2);
    m.topics[0].name = "orders";
    m.topics[0].error_message = std::nullopt;
    m.topics[1].name = "manual";
    m.topics[1].error_code = kafka_error_code(kafka_error::topic_already_exists);
    m.topics[1].error_message = "exists";
    return m;
}

// CreateTopicsResponse_v0([("orders", 0), ("manual", 36)]) and
// CreateTopicsResponse_v3(5, [("orders", 0, None), ("manual", 36, "exists")]).
constexpr std::string_view create_response_v0 = "0000000200066f7264657273000000066d616e75616c0024";
constexpr std::string_view create_response_v3 =
    "000000050000000200066f72646572730000ffff00066d616e75616c00240006657869737473";

TEST(admin_create_topics, response_matches_kafka_python) {
    auto v0 = check_wire(create_response(), 0, create_response_v0);
    EXPECT_EQ(v0.throttle_time_ms, 0);
    EXPECT_EQ(v0.topics[1].error_code, 36);
    for (int16_t v = 3; v <= 4; ++v) {
        auto back = check_wire(create_response(), v, create_response_v3);
        EXPECT_EQ(back.throttle_time_ms, 5);
        EXPECT_FALSE(back.topics[0].error_message);
        EXPECT_EQ(back.topics[1].error_message, "exists");
    }
}

TEST(admin_create_topics, response_v7_by_hand_with_topic_id_and_tag) {
    create_topics_response m;
    m.topics.resize(1);
    auto& t = m.topics[0];
    t.name = "t";
    t.topic_id = test_uuid(1);
    t.error_message = std::nullopt;
    t.topic_config_error_code = kafka_error_code(kafka_error::topic_authorization_failed);
    t.num_partitions = 1;
    t.replication_factor = 1;
    t.configs = std::nullopt;
    constexpr std::string_view hand =
        "00000000 | 02 | 02 74"                // throttle | topics: 1+1 | name "t"
        " | 0102030405060708090a0b0c0d0e0f10"  // topic id
        " | 0000 | 00 | 00000001 | 0001 | 00"  // error | message null | parts | rf | configs
        " | 01 00 02 001d"                     // tags: 1, tag 0 size 2 = 29
        " | 00";                               // message tags
    auto back = check_wire(m, 7, hand);
    EXPECT_EQ(back.topics[0].topic_id, test_uuid(1));
    EXPECT_EQ(back.topics[0].topic_config_error_code, 29);
    EXPECT_FALSE(back.topics[0].configs);
}

TEST(admin_create_topics, every_version_round_trips) {
    auto req = create_request();
    round_trip_all(req, [](const create_topics_request& d, int16_t v) {
        EXPECT_EQ(d.validate_only, v >= 1) << v;
        EXPECT_EQ(d.topics[0].configs[0].name, "cleanup.policy") << v;
    });
    auto resp = create_response();
    resp.topics[0].topic_id = test_uuid(7);
    resp.topics[0].num_partitions = 3;
    resp.topics[0].configs = std::vector<creatable_topic_result_config>{
        {"cleanup.policy", "compact", false, 1, false}, {"secret", std::nullopt, false, 5, true}};
    round_trip_all(resp, [](const create_topics_response& d, int16_t v) {
        const auto& t = d.topics[0];
        EXPECT_EQ(t.num_partitions, v >= 5 ? 3 : -1) << v;
        EXPECT_EQ(t.topic_id, v >= 7 ? test_uuid(7) : uuid{}) << v;
        EXPECT_EQ(t.configs->size(), v >= 5 ? 2u : 0u) << v;
        if (v >= 5) {
            EXPECT_FALSE(t.configs->at(1).value) << v;
        }
        EXPECT_EQ(d.topics[1].error_message, v >= 1 ? "exists" : "") << v;
    });
    expect_prefixes_fail(req, 7);
    expect_prefixes_fail(resp, 7);
}

// ---------------------------------------------------------------------------------------
// DeleteTopics

delete_topics_request delete_request() {
    delete_topics_request m;
    m.topic_names = {"orders", "manual"};
    m.timeout_ms = 15000;
    return m;
}

// DeleteTopicsRequest_v0(["orders", "manual"], 15000); v1 to v3 give the same bytes.
constexpr std::string_view delete_request_v0 = "0000000200066f726465727300066d616e75616c00003a98";

TEST(admin_delete_topics, request_matches_kafka_python) {
    for (int16_t v = 0; v <= 3; ++v) {
        auto back = check_wire(delete_request(), v, delete_request_v0);
        EXPECT_EQ(back.topic_names, (std::vector<std::string>{"orders", "manual"}));
        EXPECT_EQ(back.timeout_ms, 15000);
    }
}

TEST(admin_delete_topics, flexible_requests_by_hand) {
    delete_topics_request v4;
    v4.topic_names = {"t"};
    v4.timeout_ms = 1000;
    // names: 1+1 | "t" | timeout | message tags
    check_wire(v4, 4, "02 | 02 74 | 000003e8 | 00");

    // v6: one topic by id (name null), one by name (id zero); topic_names is gone.
    delete_topics_request v6;
    v6.topics = {{std::nullopt, test_uuid(0xa0)}, {"t", uuid{}}};
    v6.topic_names = {"ignored"};
    v6.timeout_ms = 1000;
    constexpr std::string_view hand =
        "03"                                             // topics: 2+1
        " | 00 | a0a1a2a3a4a5a6a7a8a9aaabacadaeaf | 00"  // name null | id | tags
        " | 02 74 | 00000000000000000000000000000000 | 00"
        " | 000003e8 | 00";
    auto back = check_wire(v6, 6, hand);
    EXPECT_FALSE(back.topics[0].name);
    EXPECT_EQ(back.topics[0].topic_id, test_uuid(0xa0));
    EXPECT_EQ(back.topics[1].name, "t");
    EXPECT_TRUE(back.topic_names.empty());
}

delete_topics_response delete_response() {
    delete_topics_response m;
    m.throttle_time_ms = 7;
    m.responses.resize(2);
    m.responses[0].name = "orders";
    m.responses[1].name = "manual";
    m.responses[1].error_code = kafka_error_code(kafka_error::unknown_topic_or_partition);
    return m;
}

// DeleteTopicsResponse_v0([("orders", 0), ("manual", 3)]) and _v3(7, <same>).
constexpr std::string_view delete_response_v0 = "0000000200066f7264657273000000066d616e75616c0003";
constexpr std::string_view delete_response_v3 =
    "000000070000000200066f7264657273000000066d616e75616c0003";

TEST(admin_delete_topics, response_matches_kafka_python) {
    auto v0 = check_wire(delete_response(), 0, delete_response_v0);
    EXPECT_EQ(v0.responses[1].error_code, 3);
    for (int16_t v = 1; v <= 3; ++v) {
        auto back = check_wire(delete_response(), v, delete_response_v3);
        EXPECT_EQ(back.throttle_time_ms, 7);
        EXPECT_EQ(back.responses[0].name, "orders");
    }
}

TEST(admin_delete_topics, response_v6_by_hand_and_null_names) {
    delete_topics_response m;
    m.responses.resize(1);
    m.responses[0].name = std::nullopt;
    m.responses[0].topic_id = test_uuid(0xa0);
    m.responses[0].error_code = kafka_error_code(kafka_error::unknown_topic_id);
    m.responses[0].error_message = "no";
    constexpr std::string_view hand =
        "00000000 | 02"                             // throttle | responses: 1+1
        " | 00 | a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"  // name null | topic id
        " | 0064 | 03 6e6f | 00"                    // error 100 | "no" | tags
        " | 00";
    auto back = check_wire(m, 6, hand);
    EXPECT_FALSE(back.responses[0].name);
    EXPECT_EQ(back.responses[0].error_code, 100);
    EXPECT_EQ(back.responses[0].error_message, "no");
    // Before v6 a result name may not be null.
    auto v5 =
        h("00000000 | 02 | 00 | 0003 | 16 746f7069632064656c6574696f6e206661696c6564 | 00 | 00");
    EXPECT_EQ(decode_message<delete_topics_response>(v5, 5).error(), errc::null_not_allowed);
}

TEST(admin_delete_topics, every_version_round_trips) {
    auto req = delete_request();
    req.topics = {{"orders", test_uuid(3)}};
    round_trip_all(req, [](const delete_topics_request& d, int16_t v) {
        EXPECT_EQ(d.topic_names.size(), v <= 5 ? 2u : 0u) << v;
        EXPECT_EQ(d.topics.size(), v >= 6 ? 1u : 0u) << v;
    });
    auto resp = delete_response();
    resp.responses[1].topic_id = test_uuid(9);
    resp.responses[1].error_message = "gone";
    round_trip_all(resp, [](const delete_topics_response& d, int16_t v) {
        EXPECT_EQ(d.throttle_time_ms, v >= 1 ? 7 : 0) << v;
        EXPECT_EQ(d.responses[1].topic_id, v >= 6 ? test_uuid(9) : uuid{}) << v;
        if (v >= 5) {
            EXPECT_EQ(d.responses[1].error_message, "gone") << v;
        } else {
            EXPECT_FALSE(d.responses[1].error_message) << v;  // Kafka default: null
        }
    });
    expect_prefixes_fail(req, 6);
    expect_prefixes_fail(resp, 6);
}

}  // namespace
}  // namespace sluice::protocol::testing
