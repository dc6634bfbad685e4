// Malformed and hostile framing against the real sluiced (DESIGN.md "Protocol"): a bad
// size, an unknown api or version, or an unreadable header or body closes that connection
// only; ApiVersions above our range is answered in the v0 layout (KIP-511); slow and
// pipelining clients get correct, ordered answers. After every case a fresh client is
// still served, and SIGTERM still stops the broker cleanly (exit 0).
//
// Produce-level bad input is in bad_input_produce_test.cc, many connections and
// back-pressure in bad_input_connections_test.cc.

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <thread>

#include "raw_kafka_client.h"
#include "sluice/protocol/messages/list_offsets.h"
#include "sluice/protocol/messages/metadata.h"
#include "sluice/protocol/messages/produce.h"
#include "sluice/storage/record_batch_builder.h"

namespace sluice::testing {
namespace {

using protocol::api_versions_request;
using protocol::api_versions_response;

constexpr int32_t request_max_bytes = 1 << 20;

class bad_input : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_NE(_broker.port(), 0) << _broker.process().output(); }
    void TearDown() override {
        EXPECT_TRUE(_broker.serving()) << "a fresh client is no longer served";
        EXPECT_EQ(_broker.stop(), 0) << _broker.process().output();
    }

    /// Sends `bytes` on a new connection and expects the broker to close it without
    /// answering anything, and to go on serving others.
    void expect_closed_without_answer(std::span<const uint8_t> bytes, const std::string& what) {
        SCOPED_TRACE(what);
        raw_kafka_client c(_broker.port());
        ASSERT_TRUE(c.connected());
        ASSERT_TRUE(c.send_all(bytes));
        EXPECT_TRUE(c.closed_by_peer()) << "connection left open";
        response_frame f;
        EXPECT_NE(c.read_frame(f, 0), read_status::frame)
            << "answered correlation id " << f.correlation_id;
        EXPECT_TRUE(_broker.serving()) << "a fresh client is no longer served";
    }

    sluiced_broker _broker{{"socket.request.max.bytes=" + std::to_string(request_max_bytes)}};
};

std::vector<uint8_t> be32(int32_t v) {
    std::vector<uint8_t> b(4);
    common::store_be32(b.data(), static_cast<uint32_t>(v));
    return b;
}

TEST_F(bad_input, negative_or_tiny_frame_size_closes_the_connection) {
    for (int32_t size : {-1, -8, INT32_MIN, 0, 7}) {
        auto bytes = be32(size);
        // A valid-looking request after the bad size must not be read as one.
        auto after = request_frame(api_versions_request{}, 0, 1);
        bytes.insert(bytes.end(), after.begin(), after.end());
        expect_closed_without_answer(bytes, "size " + std::to_string(size));
    }
}

TEST_F(bad_input, frame_above_socket_request_max_bytes_is_refused_from_its_size_alone) {
    for (int32_t size : {request_max_bytes + 1, INT32_MAX}) {
        // Only the 4 size bytes: the broker must decide without waiting for the body.
        expect_closed_without_answer(be32(size), "size " + std::to_string(size));
    }
}

TEST_F(bad_input, frame_of_exactly_socket_request_max_bytes_is_read) {
    // The limit is inclusive, as in Kafka (SocketServer refuses size > max): a Produce of
    // exactly that size, padded to it with the client id, is read and answered.
    auto batch = storage::make_test_batch(1, request_max_bytes - 20000, 1'700'000'000'000, 2);
    protocol::produce_request p;
    p.acks = 1;
    p.timeout_ms = 5000;
    p.topic_data.push_back({"at-the-limit", {{0, std::span<const uint8_t>(batch)}}});
    auto frame = request_frame(p, 3, 5);
    const size_t pad = static_cast<size_t>(request_max_bytes) - (frame.size() - 4);
    ASSERT_LT(pad, 32000u);
    frame = request_frame(p, 3, 5, "bad-input" + std::string(pad, 'x'));
    ASSERT_EQ(frame.size(), 4u + static_cast<size_t>(request_max_bytes));
    raw_kafka_client c(_broker.port());
    ASSERT_TRUE(c.send_all(frame));
    response_frame f;
    ASSERT_EQ(c.read_frame(f), read_status::frame);
    EXPECT_EQ(f.correlation_id, 5);
    auto resp = decode_response<protocol::produce_response>(f, 3);
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->responses.at(0).partition_responses.at(0).error_code, 0);
}

TEST_F(bad_input, truncated_frame_then_client_close_leaves_the_broker_serving) {
    auto frame = request_frame(api_versions_request{}, 0, 1);
    {
        raw_kafka_client c(_broker.port());
        ASSERT_TRUE(c.send_all(std::span(frame).first(frame.size() - 3)));  // body cut short
    }
    {
        raw_kafka_client c(_broker.port());
        ASSERT_TRUE(c.send_all(std::span(frame).first(2)));  // size prefix cut short
    }
    {
        // A frame announced at 1000 bytes, of which 20 arrive.
        auto bytes = be32(1000);
        bytes.insert(bytes.end(), 20, 0x42);
        raw_kafka_client c(_broker.port());
        ASSERT_TRUE(c.send_all(bytes));
    }
    EXPECT_TRUE(_broker.serving());
}

TEST_F(bad_input, unknown_api_key_closes_the_connection) {
    // 9 is OffsetFetch: a Kafka api that this broker does not serve.
    for (int16_t key : {int16_t{-1}, int16_t{9}, int16_t{1000}, int16_t{INT16_MAX}}) {
        expect_closed_without_answer(raw_frame(key, 0, 1), "api key " + std::to_string(key));
    }
}

TEST_F(bad_input, metadata_version_outside_the_supported_range_closes_the_connection) {
    protocol::metadata_request req;
    req.topics.reset();
    auto v13 = request_frame(req, 12, 1);
    common::store_be16(v13.data() + 6, 13);  // a v12 body under version 13
    expect_closed_without_answer(v13, "Metadata v13");
    expect_closed_without_answer(raw_frame(3, -1, 1), "Metadata v-1");
}

TEST_F(bad_input, api_versions_above_our_range_gets_error_35_in_the_v0_layout) {
    raw_kafka_client c(_broker.port());
    ASSERT_TRUE(c.connected());
    const uint8_t v99_body[] = {0x04, 'f', 'o', 'o', 0x02, '1', 0x00};
    ASSERT_TRUE(c.send_all(raw_frame(18, 99, 4242, v99_body, true)));
    response_frame f;
    ASSERT_EQ(c.read_frame(f), read_status::frame);
    EXPECT_EQ(f.correlation_id, 4242);
    // v0: error_code, api_keys[{key, min, max}] and nothing else (no throttle, no tags).
    EXPECT_EQ(f.rest.size(), 2u + 4u + 6u);
    auto resp = decode_response<api_versions_response>(f, 0);
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->error_code, 35);
    ASSERT_EQ(resp->api_keys.size(), 1u);
    EXPECT_EQ(resp->api_keys[0].api_key, 18);
    EXPECT_EQ(resp->api_keys[0].min_version, 0);
    EXPECT_EQ(resp->api_keys[0].max_version, 3);

    // The connection stays usable: the client retries with v0.
    response_frame keep;
    auto v0 = c.call<api_versions_request, api_versions_response>({}, 0, 4243, keep);
    ASSERT_TRUE(v0) << "no ApiVersions v0 answer after the v99 one";
    EXPECT_EQ(v0->error_code, 0);
    std::vector<int16_t> keys;
    for (const auto& k : v0->api_keys) keys.push_back(k.api_key);
    for (int16_t want : {0, 1, 2, 3, 18}) {
        EXPECT_NE(std::find(keys.begin(), keys.end(), want), keys.end()) << "api key " << want;
    }
}

TEST_F(bad_input, garbage_body_for_a_supported_api_closes_the_connection) {
    const uint8_t huge_count[] = {0x7f, 0xff, 0xff, 0xff};
    expect_closed_without_answer(raw_frame(3, 1, 1, huge_count), "Metadata v1 topic count 2^31-1");
    const uint8_t bad_varint[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    expect_closed_without_answer(raw_frame(0, 9, 1, bad_varint, true), "Produce v9 bad varint");
    const uint8_t short_body[] = {0x00, 0x01};
    expect_closed_without_answer(raw_frame(2, 1, 1, short_body), "ListOffsets v1 truncated");
    // Fetch v4: replica, max_wait, min_bytes, max_bytes, isolation, then a topic count -2.
    const uint8_t negative_count[] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0,    0,    0,    0,   0,
                                      0,    0,    0x10, 0,    0, 0, 0xff, 0xff, 0xff, 0xfe};
    expect_closed_without_answer(raw_frame(1, 4, 1, negative_count), "Fetch v4 count -2");
    // Produce v3 whose one partition's records claim 4096 bytes and hold 3.
    const uint8_t long_records[] = {0xff, 0xff,              // transactional id: null
                                    0,    1,                 // acks 1
                                    0,    0,    0x03, 0xe8,  // timeout 1000 ms
                                    0,    0,    0,    1,     // 1 topic
                                    0,    1,    't',         // "t"
                                    0,    0,    0,    1,     // 1 partition
                                    0,    0,    0,    0,     // index 0
                                    0,    0,    0x10, 0,     // records: 4096 bytes
                                    1,    2,    3};
    expect_closed_without_answer(raw_frame(0, 3, 1, long_records), "Produce v3 records length");
    // A header whose client id claims 500 bytes in a 13-byte frame.
    const uint8_t bad_header[] = {0, 0, 0, 13, 0, 18, 0, 3, 0, 0, 0, 1, 0x01, 0xf4, 'a', 'b', 'c'};
    expect_closed_without_answer(bad_header, "ApiVersions v3 client id length 500");
}

TEST_F(bad_input, slow_sender_one_byte_at_a_time_gets_correct_answers) {
    api_versions_request av;
    av.client_software_name = "slow";
    av.client_software_version = "1";
    auto bytes = request_frame(av, 3, 31);
    protocol::metadata_request md;
    md.topics.reset();  // all topics
    auto second = request_frame(md, 12, 32);
    bytes.insert(bytes.end(), second.begin(), second.end());
    raw_kafka_client c(_broker.port());
    ASSERT_TRUE(c.connected());
    for (uint8_t b : bytes) {
        ASSERT_TRUE(c.send_all(std::span(&b, 1)));
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    response_frame f;
    ASSERT_EQ(c.read_frame(f), read_status::frame);
    EXPECT_EQ(f.correlation_id, 31);
    auto resp = decode_response<api_versions_response>(f, 3);
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->error_code, 0);
    ASSERT_EQ(c.read_frame(f), read_status::frame);
    EXPECT_EQ(f.correlation_id, 32);
    auto meta = decode_response<protocol::metadata_response>(f, 12);
    ASSERT_TRUE(meta);
    ASSERT_EQ(meta->brokers.size(), 1u);
    EXPECT_EQ(meta->brokers[0].port, _broker.port());
}

TEST_F(bad_input, fifty_pipelined_requests_are_answered_in_request_order) {
    // Produce with acks=all finishes after an fdatasync, later than the requests behind it;
    // the answers must still come back in request order.
    constexpr int count = 50;
    constexpr int32_t first_id = 1000;
    auto batch = storage::make_test_batch(3, 64, 1'700'000'000'000, 1);
    std::vector<uint8_t> all;
    for (int i = 0; i < count; ++i) {
        const int32_t id = first_id + i;
        std::vector<uint8_t> frame;
        switch (i % 5) {
            case 0: {
                protocol::produce_request p;
                p.acks = -1;
                p.timeout_ms = 5000;
                p.topic_data.push_back({"pipelined", {{0, std::span<const uint8_t>(batch)}}});
                frame = request_frame(p, 9, id);
                break;
            }
            case 1:
                frame = request_frame(api_versions_request{}, 3, id);
                break;
            case 2: {
                protocol::metadata_request m;
                m.topics.reset();
                frame = request_frame(m, 12, id);
                break;
            }
            case 3: {
                protocol::list_offsets_request l;
                l.replica_id = -1;
                l.topics.push_back({"pipelined", {{0, -1, -1, 1}}});
                frame = request_frame(l, 7, id);
                break;
            }
            default:
                frame = request_frame(api_versions_request{}, 0, id);
                break;
        }
        all.insert(all.end(), frame.begin(), frame.end());
    }
    raw_kafka_client c(_broker.port());
    ASSERT_TRUE(c.send_all(all));
    int64_t next_base_offset = 0;
    for (int i = 0; i < count; ++i) {
        response_frame f;
        ASSERT_EQ(c.read_frame(f), read_status::frame) << "response " << i;
        ASSERT_EQ(f.correlation_id, first_id + i) << "response " << i << " out of order";
        if (i % 5 == 0) {
            auto p = decode_response<protocol::produce_response>(f, 9);
            ASSERT_TRUE(p);
            const auto& part = p->responses.at(0).partition_responses.at(0);
            EXPECT_EQ(part.error_code, 0);
            EXPECT_EQ(part.base_offset, next_base_offset);
            next_base_offset += 3;
        } else if (i % 5 == 3) {
            auto l = decode_response<protocol::list_offsets_response>(f, 7);
            ASSERT_TRUE(l);
            EXPECT_EQ(l->topics.at(0).partitions.at(0).error_code, 0);
        }
    }
}

TEST_F(bad_input, more_pipelined_requests_than_the_inflight_limit_are_all_answered) {
    // 300 requests in one send: the broker pauses reading at
    // connection_inflight_requests_max (100) and must resume as answers go out.
    constexpr int count = 300;
    std::vector<uint8_t> all;
    for (int i = 0; i < count; ++i) {
        auto frame = request_frame(api_versions_request{}, 0, i);
        all.insert(all.end(), frame.begin(), frame.end());
    }
    raw_kafka_client c(_broker.port());
    ASSERT_TRUE(c.send_all(all));
    for (int i = 0; i < count; ++i) {
        response_frame f;
        ASSERT_EQ(c.read_frame(f), read_status::frame)
            << "response " << i << " missing; broker output:\n"
            << (_broker.process().wait_for("assertion failed", 100), _broker.process().output());
        ASSERT_EQ(f.correlation_id, i);
    }
}

}  // namespace
}  // namespace sluice::testing
