// CreatePartitions (37) and DeleteRecords (21): our codec against bytes from an independent
// encoder for the classic versions, against bytes worked out by hand from Kafka's JSON
// schemas for the flexible ones, and round trips at every valid version.
//
// The reference constants were made once, offline, with kafka-python 2.0.2 (Debian
// python3-kafka) under /usr/bin/python3. CreatePartitions: `m = kafka.protocol.admin.
// <Class>_v<N>(<args>); m.encode().hex()`, the call written above each constant (kafka-python
// stops at v1). kafka-python has no DeleteRecords classes, so for it the v0/v1 layout was
// transcribed from DeleteRecordsRequest/Response.json into kafka-python's own primitive types
// (kafka.protocol.types Schema, Array, String, Int16/32/64) and encoded by them; the schema
// is written above the constants.

#include <gtest/gtest.h>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/protocol/kafka_error.h"
#include "sluice/protocol/messages/create_partitions.h"
#include "sluice/protocol/messages/delete_records.h"

#include "wire_test_util.h"

namespace sluice::protocol::testing {
namespace {

// ---------------------------------------------------------------------------------------
// CreatePartitions

create_partitions_request partitions_request() {
    create_partitions_request m;
    m.topics = {
        {"orders", 6, std::nullopt},
        {"manual", 4, std::vector<create_partitions_assignment>{{{1, 2}}, {{2, 3}}}},
    };
    m.timeout_ms = 10000;
    return m;
}

// CreatePartitionsRequest_v0([("orders", (6, None)), ("manual", (4, [[1, 2], [2, 3]]))],
// 10000, False) and _v1(<same>, 10000, True).
constexpr std::string_view partitions_request_v0 =
    "0000000200066f726465727300000006ffffffff00066d616e75616c0000000400000002000000020000000100"
    "0000020000000200000002000000030000271000";
constexpr std::string_view partitions_request_v1 =
    "0000000200066f726465727300000006ffffffff00066d616e75616c0000000400000002000000020000000100"
    "0000020000000200000002000000030000271001";

TEST(admin_create_partitions, request_matches_kafka_python) {
    auto v0 = check_wire(partitions_request(), 0, partitions_request_v0);
    EXPECT_FALSE(v0.topics[0].assignments);  // null: the broker places them
    EXPECT_EQ(v0.topics[1].assignments->at(1).broker_ids, (std::vector<int32_t>{2, 3}));
    auto m = partitions_request();
    m.validate_only = true;
    auto v1 = check_wire(m, 1, partitions_request_v1);
    EXPECT_TRUE(v1.validate_only);
    EXPECT_EQ(v1.timeout_ms, 10000);
}

TEST(admin_create_partitions, request_v2_by_hand) {
    create_partitions_request m;
    m.topics = {{"t", 3, std::vector<create_partitions_assignment>{{{1}}}}};
    m.timeout_ms = 1000;
    m.validate_only = true;
    constexpr std::string_view hand =
        "02 | 02 74 | 00000003"     // topics: 1+1 | "t" | count 3
        " | 02 | 02 00000001 | 00"  // assignments: 1+1 | brokers [1] | tags
        " | 00"                     // topic tags
        " | 000003e8 | 01 | 00";    // timeout 1000 | validate_only | message tags
    for (int16_t v = 2; v <= 3; ++v) {
        auto back = check_wire(m, v, hand);
        EXPECT_EQ(back.topics[0].assignments->at(0).broker_ids, (std::vector<int32_t>{1}));
    }
}

// CreatePartitionsResponse_v0(0, [("orders", 0, None), ("manual", 37, "too few")]) and
// CreatePartitionsResponse_v1(9, [("orders", 0, None)]).
constexpr std::string_view partitions_response_v0 =
    "000000000000000200066f72646572730000ffff00066d616e75616c00250007746f6f20666577";
constexpr std::string_view partitions_response_v1 = "000000090000000100066f72646572730000ffff";

TEST(admin_create_partitions, response_matches_kafka_python) {
    create_partitions_response m;
    m.results = {{"orders", 0, std::nullopt},
                 {"manual", kafka_error_code(kafka_error::invalid_partitions), "too few"}};
    auto back = check_wire(m, 0, partitions_response_v0);
    EXPECT_FALSE(back.results[0].error_message);
    EXPECT_EQ(back.results[1].error_code, 37);
    EXPECT_EQ(back.results[1].error_message, "too few");
    m.throttle_time_ms = 9;
    m.results.resize(1);
    check_wire(m, 1, partitions_response_v1);
    // flexible: throttle | results: 1+1 | "orders" | error | message null | tags | tags
    check_wire(m, 2, "00000009 | 02 | 07 6f7264657273 | 0000 | 00 | 00 | 00");
}

TEST(admin_create_partitions, every_version_round_trips) {
    auto req = partitions_request();
    req.validate_only = true;
    round_trip_all(req, [](const create_partitions_request& d, int16_t v) {
        EXPECT_TRUE(d.validate_only) << v;
        EXPECT_FALSE(d.topics[0].assignments) << v;
        EXPECT_EQ(d.topics[1].assignments->size(), 2u) << v;
    });
    create_partitions_response resp;
    resp.throttle_time_ms = 4;
    resp.results = {{"a", 0, std::nullopt}, {"b", 44, "policy"}};
    round_trip_all(resp, [](const create_partitions_response& d, int16_t v) {
        EXPECT_EQ(d.results[1].error_message, "policy") << v;
    });
    expect_prefixes_fail(req, 3);
    expect_prefixes_fail(resp, 3);
}

// ---------------------------------------------------------------------------------------
// DeleteRecords

delete_records_request records_request() {
    delete_records_request m;
    m.topics = {{"orders", {{0, 100}, {1, -1}}}};
    m.timeout_ms = 5000;
    return m;
}

delete_records_response records_response() {
    delete_records_response m;
    m.topics = {
        {"orders", {{0, 100, 0}, {1, 42, kafka_error_code(kafka_error::offset_out_of_range)}}}};
    return m;
}

// req = Schema(("topics", Array(("name", String("utf-8")),
//                               ("partitions", Array(("partition_index", Int32),
//                                                    ("offset", Int64))))),
//              ("timeout_ms", Int32))
// req.encode(([("orders", [(0, 100), (1, -1)])], 5000))
constexpr std::string_view records_request_v0 =
    "0000000100066f72646572730000000200000000000000000000006400000001ffffffffffffffff00001388";
// resp = Schema(("throttle_time_ms", Int32),
//               ("topics", Array(("name", String("utf-8")),
//                                ("partitions", Array(("partition_index", Int32),
//                                                     ("low_watermark", Int64),
//                                                     ("error_code", Int16))))))
// resp.encode((0, [("orders", [(0, 100, 0), (1, 42, 1)])]))
constexpr std::string_view records_response_v0 =
    "000000000000000100066f726465727300000002000000000000000000000064000000000001000000000000"
    "002a0001";

TEST(admin_delete_records, v0_v1_match_kafka_python_types) {
    for (int16_t v = 0; v <= 1; ++v) {
        auto req = check_wire(records_request(), v, records_request_v0);
        EXPECT_EQ(req.topics[0].partitions[1].offset, -1);  // -1: up to the high watermark
        EXPECT_EQ(req.timeout_ms, 5000);
        auto resp = check_wire(records_response(), v, records_response_v0);
        EXPECT_EQ(resp.topics[0].partitions[1].low_watermark, 42);
        EXPECT_EQ(resp.topics[0].partitions[1].error_code, 1);
    }
}

TEST(admin_delete_records, v2_by_hand) {
    delete_records_request req;
    req.topics = {{"t", {{0, 5}}}};
    req.timeout_ms = 1000;
    // topics: 1+1 | "t" | partitions: 1+1 | index 0 | offset 5 | tags | topic tags | timeout
    check_wire(req, 2, "02 | 02 74 | 02 | 00000000 | 0000000000000005 | 00 | 00 | 000003e8 | 00");
    delete_records_response resp;
    resp.topics = {{"t", {{0, 5, 0}}}};
    // throttle | topics | "t" | partitions | index 0 | low watermark 5 | error | tags x3
    check_wire(resp, 2,
               "00000000 | 02 | 02 74 | 02 | 00000000 | 0000000000000005 | 0000 | 00 | 00 | 00");
}

TEST(admin_delete_records, every_version_round_trips) {
    auto req = records_request();
    round_trip_all(req, [](const delete_records_request& d, int16_t v) {
        EXPECT_EQ(d.topics[0].partitions[0].offset, 100) << v;
    });
    auto resp = records_response();
    resp.throttle_time_ms = 8;
    round_trip_all(resp, [](const delete_records_response& d, int16_t v) {
        EXPECT_EQ(d.throttle_time_ms, 8) << v;
        EXPECT_EQ(d.topics[0].partitions[0].low_watermark, 100) << v;
    });
    expect_prefixes_fail(req, 2);
    expect_prefixes_fail(resp, 2);
}

}  // namespace
}  // namespace sluice::protocol::testing
