// Bad record batches in Produce against the real sluiced: each is refused for its
// partition with Kafka's error code, the connection stays open, and nothing reaches the
// log: the log end offset does not move, the next good batch gets the next offset, and a
// fetch from 0 returns exactly the good batches.

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "raw_kafka_client.h"
#include "sluice/common/crc32c.h"
#include "sluice/common/endian.h"
#include "sluice/compression/codec.h"
#include "sluice/protocol/messages/fetch.h"
#include "sluice/protocol/messages/list_offsets.h"
#include "sluice/protocol/messages/produce.h"
#include "sluice/storage/record_batch_builder.h"

namespace sluice::testing {
namespace {

constexpr int32_t message_max_bytes = 16384;
constexpr int16_t corrupt_message = 2;
constexpr int16_t message_too_large = 10;
constexpr int16_t invalid_record = 87;
constexpr int records_per_batch = 3;

class bad_input_produce : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_NE(_broker.port(), 0) << _broker.process().output();
        _client = std::make_unique<raw_kafka_client>(_broker.port());
        ASSERT_TRUE(_client->connected());
    }
    void TearDown() override {
        _client.reset();
        EXPECT_TRUE(_broker.serving()) << "a fresh client is no longer served";
        EXPECT_EQ(_broker.stop(), 0) << _broker.process().output();
    }

    struct produce_outcome {
        int16_t error_code = -1;
        int64_t base_offset = -2;
    };
    /// Produce v9, acks=all, one batch to topic-0; nullopt if there was no answer.
    std::optional<produce_outcome> produce(const std::string& topic,
                                           std::span<const uint8_t> batch) {
        protocol::produce_request req;
        req.acks = -1;
        req.timeout_ms = 5000;
        req.topic_data.push_back({topic, {{0, batch}}});
        response_frame keep;
        auto resp = _client->call<protocol::produce_request, protocol::produce_response>(
            req, 9, ++_correlation_id, keep);
        if (!resp || resp->responses.size() != 1 ||
            resp->responses[0].partition_responses.size() != 1) {
            return std::nullopt;
        }
        const auto& p = resp->responses[0].partition_responses[0];
        return produce_outcome{p.error_code, p.base_offset};
    }
    /// ListOffsets v1 latest (-1) of topic-0, or -100 when there is no good answer.
    int64_t latest_offset(const std::string& topic) {
        protocol::list_offsets_request req;
        req.replica_id = -1;
        req.topics.push_back({topic, {{0, -1, -1, 1}}});
        response_frame keep;
        auto resp = _client->call<protocol::list_offsets_request, protocol::list_offsets_response>(
            req, 1, ++_correlation_id, keep);
        if (!resp || resp->topics.empty() || resp->topics[0].partitions.empty()) return -100;
        const auto& p = resp->topics[0].partitions[0];
        return p.error_code == 0 ? p.offset : -100 - p.error_code;
    }
    /// Fetch v11 of topic-0 from `offset` without waiting: the record bytes returned.
    std::optional<std::vector<uint8_t>> fetch(const std::string& topic, int64_t offset) {
        protocol::fetch_request req;
        req.max_wait_ms = 0;
        req.min_bytes = 0;
        req.max_bytes = 1 << 20;
        protocol::fetch_partition part;
        part.fetch_offset = offset;
        part.partition_max_bytes = 1 << 20;
        req.topics.push_back({topic, {}, {part}});
        response_frame keep;
        auto resp = _client->call<protocol::fetch_request, protocol::fetch_response>(
            req, 11, ++_correlation_id, keep);
        if (!resp || resp->responses.empty() || resp->responses[0].partitions.empty()) {
            return std::nullopt;
        }
        const auto& p = resp->responses[0].partitions[0];
        if (p.error_code != 0) return std::nullopt;
        if (!p.records.inline_bytes) return std::vector<uint8_t>{};
        return std::vector<uint8_t>(p.records.inline_bytes->begin(), p.records.inline_bytes->end());
    }
    /// Every batch of topic-0 below `end`, fetched from offset 0 on (a fetch stops at a
    /// segment's end, and batches with old timestamps roll a segment each, as in Kafka).
    std::optional<std::vector<uint8_t>> fetch_all(const std::string& topic, int64_t end) {
        std::vector<uint8_t> all;
        int64_t next = 0;
        while (next < end) {
            auto bytes = fetch(topic, next);
            if (!bytes || bytes->empty()) return std::nullopt;
            std::span<const uint8_t> rest(*bytes);
            while (auto size = storage::peek_batch_size(rest)) {
                if (*size > rest.size() || *size < storage::batch_header_bytes) break;
                storage::record_batch_view v(rest.first(*size));
                next = v.last_offset() + 1;
                rest = rest.subspan(*size);
            }
            all.insert(all.end(), bytes->begin(), bytes->end());
        }
        return all;
    }

    /// A good batch, the bad one (expecting `error`), another good batch: the bad one must
    /// leave no trace in the log.
    void expect_refused_without_a_trace(const std::string& topic, std::span<const uint8_t> bad,
                                        int16_t error) {
        auto good1 = storage::make_test_batch(records_per_batch, 100, 1'700'000'000'000, 1);
        auto good2 = storage::make_test_batch(records_per_batch, 100, 1'700'000'000'100, 2);
        auto first = produce(topic, good1);
        ASSERT_TRUE(first);
        ASSERT_EQ(first->error_code, 0);
        ASSERT_EQ(first->base_offset, 0);
        ASSERT_EQ(latest_offset(topic), records_per_batch);

        auto refused = produce(topic, bad);
        ASSERT_TRUE(refused) << "no answer to the bad produce (connection closed?)";
        EXPECT_EQ(refused->error_code, error);
        EXPECT_EQ(refused->base_offset, -1);
        EXPECT_EQ(latest_offset(topic), records_per_batch) << "the log end moved";

        auto second = produce(topic, good2);
        ASSERT_TRUE(second);
        EXPECT_EQ(second->error_code, 0);
        EXPECT_EQ(second->base_offset, records_per_batch);
        EXPECT_EQ(latest_offset(topic), 2 * records_per_batch);
        auto fetched = fetch_all(topic, 2 * records_per_batch);
        ASSERT_TRUE(fetched);
        // The log holds the two good batches back to back, and nothing else.
        EXPECT_EQ(fetched->size(), good1.size() + good2.size());
    }

    sluiced_broker _broker{{"message.max.bytes=" + std::to_string(message_max_bytes),
                            "socket.request.max.bytes=1048576"}};
    std::unique_ptr<raw_kafka_client> _client;
    int32_t _correlation_id = 0;
};

TEST_F(bad_input_produce, crc_mismatch_is_corrupt_message) {
    auto bad = storage::make_test_batch(records_per_batch, 100, 1'700'000'000'000, 3);
    bad.back() ^= 0x01;  // a bit of the last value, covered by the CRC
    expect_refused_without_a_trace("crc", bad, corrupt_message);
}

TEST_F(bad_input_produce, crc_field_itself_damaged_is_corrupt_message) {
    auto bad = storage::make_test_batch(records_per_batch, 100, 1'700'000'000'000, 3);
    bad[storage::batch_field::crc] ^= 0x80;
    expect_refused_without_a_trace("crc-field", bad, corrupt_message);
}

TEST_F(bad_input_produce, batch_length_larger_than_the_bytes_is_corrupt_message) {
    // (Kafka 3.x finds no whole batch in these bytes and answers INVALID_RECORD from
    // ProduceRequest.validateRecords; CORRUPT_MESSAGE is what this broker has chosen.)
    auto bad = storage::make_test_batch(records_per_batch, 100, 1'700'000'000'000, 4);
    auto* at = bad.data() + storage::batch_field::batch_length;
    common::store_be32(at, common::load_be32(at) + 10);
    expect_refused_without_a_trace("long-length", bad, corrupt_message);
}

TEST_F(bad_input_produce, batch_length_smaller_than_the_bytes_is_corrupt_message) {
    // 5 bytes past the declared end: too few for another batch (Kafka's
    // ByteBufferLogInputStream needs 12), so Kafka reads one batch over the declared range,
    // whose CRC fails: CorruptRecordException, CORRUPT_MESSAGE.
    auto bad = storage::make_test_batch(records_per_batch, 100, 1'700'000'000'000, 5);
    auto* at = bad.data() + storage::batch_field::batch_length;
    common::store_be32(at, common::load_be32(at) - 5);
    expect_refused_without_a_trace("short-length", bad, corrupt_message);
}

TEST_F(bad_input_produce, batch_length_below_a_header_is_corrupt_message) {
    auto bad = storage::make_test_batch(records_per_batch, 100, 1'700'000'000'000, 6);
    common::store_be32(bad.data() + storage::batch_field::batch_length, 10);
    expect_refused_without_a_trace("tiny-length", bad, corrupt_message);
}

TEST_F(bad_input_produce, batch_above_max_message_bytes_is_message_too_large) {
    auto big = storage::make_test_batch(4, 5000, 1'700'000'000'000, 7);
    ASSERT_GT(big.size(), static_cast<size_t>(message_max_bytes));
    expect_refused_without_a_trace("too-large", big, message_too_large);
}

// --- compressed batches: the records inside are checked, not the outer header alone ---

/// A batch whose records area is `area` in codec `codec_id`, with `count` in the header and
/// a correct CRC (what a lying or hostile producer can send).
std::vector<uint8_t> compressed_batch(std::span<const uint8_t> area, uint8_t codec_id,
                                      int32_t count) {
    auto b = storage::make_test_batch(1, 10, 1'700'000'000'000, 5);
    b.resize(storage::batch_header_bytes);
    b.insert(b.end(), area.begin(), area.end());
    uint8_t* p = b.data();
    common::store_be32(p + storage::batch_field::batch_length,
                       static_cast<uint32_t>(b.size() - storage::batch_log_overhead_bytes));
    common::store_be16(p + storage::batch_field::attributes, codec_id);
    common::store_be32(p + storage::batch_field::last_offset_delta,
                       static_cast<uint32_t>(count - 1));
    common::store_be32(p + storage::batch_field::record_count, static_cast<uint32_t>(count));
    common::store_be32(p + storage::batch_field::crc,
                       common::crc32c(p + storage::batch_field::attributes,
                                      b.size() - storage::batch_field::attributes));
    return b;
}

TEST_F(bad_input_produce, zip_bomb_is_corrupt_message) {
    // 200 MiB of zeros as one zstd frame of a few KiB: past the 64 MiB bound.
    std::vector<uint8_t> zeros(200u << 20), area;
    ASSERT_TRUE(compression::compress(compression::codec::zstd, zeros, area, 19));
    zeros = {};
    ASSERT_LT(area.size(), size_t{message_max_bytes});
    expect_refused_without_a_trace("bomb", compressed_batch(area, 4, 1), corrupt_message);
}

TEST_F(bad_input_produce, garbage_in_a_gzip_batch_is_corrupt_message) {
    std::vector<uint8_t> area(300, 0x5a);
    expect_refused_without_a_trace("garbage", compressed_batch(area, 1, 3), corrupt_message);
}

TEST_F(bad_input_produce, compressed_batch_with_a_lying_record_count_is_refused) {
    // Three real records inside, five claimed outside: Kafka refuses it (INVALID_RECORD).
    auto inner = storage::make_test_batch(3, 50, 1'700'000'000'000, 6);
    std::vector<uint8_t> area;
    ASSERT_TRUE(compression::compress(
        compression::codec::lz4,
        std::span<const uint8_t>(inner).subspan(storage::batch_header_bytes), area));
    expect_refused_without_a_trace("liar", compressed_batch(area, 3, 5), invalid_record);
    // The same records with the true count go in.
    auto good = produce("liar", compressed_batch(area, 3, 3));
    ASSERT_TRUE(good);
    EXPECT_EQ(good->error_code, 0);
}

}  // namespace
}  // namespace sluice::testing
