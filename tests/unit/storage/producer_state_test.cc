// producer_state: Kafka's idempotent-producer rules, its snapshot bytes, and the log
// answering retries with their original offsets, across clean and unclean reopens.

#include "sluice/storage/producer_state.h"

#include <gtest/gtest.h>

#include "sluice/common/endian.h"
#include "unit/storage/log_test_util.h"

namespace sluice::storage::testing {
namespace {

producer_batch_header batch(int64_t pid, int16_t epoch, int32_t seq, int32_t records = 1,
                            int64_t ts = 1000) {
    return {pid, epoch, seq, records - 1, ts};
}

TEST(producer_state, sequences_continue_duplicates_are_found_gaps_refused) {
    producer_state s;
    // An unknown producer may start anywhere.
    ASSERT_TRUE(s.check(batch(7, 0, 10, 3)));
    EXPECT_FALSE(s.check(batch(7, 0, 10, 3)).value());
    s.update(batch(7, 0, 10, 3), 100);  // seq 10..12 at offsets 100..102
    s.update(batch(7, 0, 13, 2), 103);  // 13..14 at 103..104
    // The next batch must start at 15.
    EXPECT_FALSE(s.check(batch(7, 0, 15)).value());
    EXPECT_EQ(s.check(batch(7, 0, 16)).error(), errc::out_of_order_sequence);
    EXPECT_EQ(s.check(batch(7, 0, 14)).error(), errc::out_of_order_sequence);  // not a whole batch
    // A retry of an appended batch: its original offsets.
    auto dup = s.check(batch(7, 0, 10, 3));
    ASSERT_TRUE(dup && dup.value());
    EXPECT_EQ(dup.value()->first_offset, 100);
    EXPECT_EQ(dup.value()->last_offset, 102);
    // Older epoch fenced; a newer one must start at 0.
    EXPECT_EQ(s.check(batch(7, -1, 15)).error(), errc::invalid_producer_epoch);
    EXPECT_EQ(s.check(batch(7, 1, 15)).error(), errc::out_of_order_sequence);
    EXPECT_FALSE(s.check(batch(7, 1, 0)).value());
    s.update(batch(7, 1, 0), 105);
    EXPECT_EQ(s.check(batch(7, 0, 15)).error(), errc::invalid_producer_epoch);
    EXPECT_EQ(s.find(7)->batches.size(), 1u);  // a new epoch forgets the old batches
    // Other producers are independent; batches without a producer id always pass.
    EXPECT_FALSE(s.check(batch(8, 0, 99)).value());
    EXPECT_FALSE(s.check(batch(-1, -1, -1)).value());
}

TEST(producer_state, only_the_last_five_batches_are_recognised) {
    producer_state s;
    for (int i = 0; i < 7; ++i) s.update(batch(1, 0, i), 10 + i);
    EXPECT_EQ(s.find(1)->batches.size(), 5u);
    EXPECT_TRUE(s.check(batch(1, 0, 2)).value());  // the oldest of the five
    // Sequence 1 fell out of the window: not a duplicate any more, and out of order.
    EXPECT_EQ(s.check(batch(1, 0, 1)).error(), errc::out_of_order_sequence);
}

TEST(producer_state, sequence_wraps_after_int32_max) {
    EXPECT_EQ(last_sequence_of(INT32_MAX - 1, 3), 1);
    EXPECT_EQ(last_sequence_of(5, 0), 5);
    producer_state s;
    s.update(batch(1, 0, INT32_MAX - 1, 2), 0);  // INT32_MAX-1, INT32_MAX
    EXPECT_FALSE(s.check(batch(1, 0, 0)).value());
    s.update(batch(1, 0, INT32_MAX, 3), 2);  // wraps: INT32_MAX, 0, 1
    auto again = producer_state::decode_snapshot(s.encode_snapshot());
    ASSERT_TRUE(again);
    auto dup = again->check(batch(1, 0, INT32_MAX, 3));
    ASSERT_TRUE(dup && dup.value());
    EXPECT_EQ(dup.value()->first_offset, 2);
}

TEST(producer_state, snapshot_has_kafkas_layout_and_refuses_damage) {
    producer_state s;
    s.update(batch(0x0102030405060708, 3, 40, 5, 0x1122334455), 200);  // seq 40..44, 200..204
    const auto bytes = s.encode_snapshot();
    ASSERT_EQ(bytes.size(), 10u + 46u);
    EXPECT_EQ(common::load_be16(bytes.data()), 1);       // version
    EXPECT_EQ(common::load_be32(bytes.data() + 6), 1u);  // one entry
    const uint8_t* e = bytes.data() + 10;
    EXPECT_EQ(common::load_be64(e), 0x0102030405060708u);  // producer id
    EXPECT_EQ(common::load_be16(e + 8), 3);                // epoch
    EXPECT_EQ(common::load_be32(e + 10), 44u);             // last sequence
    EXPECT_EQ(common::load_be64(e + 14), 204u);            // last offset
    EXPECT_EQ(common::load_be32(e + 22), 4u);              // offset delta
    EXPECT_EQ(common::load_be64(e + 26), 0x1122334455u);   // timestamp
    EXPECT_EQ(common::load_be32(e + 34), 0xffffffffu);     // coordinator epoch
    EXPECT_EQ(common::load_be64(e + 38), ~uint64_t{0});    // no transaction

    auto back = producer_state::decode_snapshot(bytes);
    ASSERT_TRUE(back);
    auto dup = back->check(batch(0x0102030405060708, 3, 40, 5));
    ASSERT_TRUE(dup && dup.value());
    EXPECT_EQ(dup.value()->first_offset, 200);
    EXPECT_FALSE(back->check(batch(0x0102030405060708, 3, 45)).value());

    for (size_t i = 0; i < bytes.size(); i += 7) {
        auto bad = bytes;
        bad[i] ^= 0x10;
        EXPECT_FALSE(producer_state::decode_snapshot(bad)) << "flipped byte " << i;
    }
    EXPECT_FALSE(producer_state::decode_snapshot(std::span(bytes).first(bytes.size() - 1)));
}

TEST(producer_state, removal_by_offset_and_expiry) {
    producer_state s;
    s.update(batch(1, 0, 0, 1, 1000), 10);
    s.update(batch(2, 0, 0, 1, 5000), 20);
    EXPECT_EQ(s.remove_below(15), 1u);
    EXPECT_EQ(s.find(1), nullptr);
    EXPECT_EQ(s.expire(5000 + 100, 1000), 0u);
    EXPECT_EQ(s.expire(5000 + 1001, 1000), 1u);
    EXPECT_EQ(s.size(), 0u);
}

// --- the log ---

class log_producer_test : public log_test {
  protected:
    std::vector<uint8_t> idempotent(int64_t pid, int16_t epoch, int32_t seq, int records) {
        record_batch_builder b(0, now_ms);
        b.set_producer_id(pid).set_producer_epoch(epoch).set_base_sequence(seq);
        for (int i = 0; i < records; ++i) {
            const std::string v = "p" + std::to_string(pid) + "s" + std::to_string(seq + i);
            b.add(std::nullopt, std::span(reinterpret_cast<const uint8_t*>(v.data()), v.size()),
                  now_ms);
        }
        return b.build();
    }
    log_config small() {
        log_config c;
        c.segment_bytes = 400;  // rolls (and snapshots) every few batches
        return c;
    }
};

TEST_F(log_producer_test, retry_gets_the_original_offsets_and_appends_nothing) {
    auto l = open_log({});
    ASSERT_TRUE(l);
    _log = std::move(l).value();
    auto a = idempotent(5, 0, 0, 3);
    auto b = idempotent(5, 0, 3, 2);
    ASSERT_TRUE(_log->append(a, nullptr, now_ms));
    ASSERT_TRUE(_log->append(b, nullptr, now_ms));
    // The retry arrives while the original may still be in flight: its waiter is told
    // only once the original is durable.
    auto retry = idempotent(5, 0, 0, 3);
    recording_waiter w;
    auto r = _log->append(retry, &w, now_ms);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->duplicate);
    EXPECT_EQ(r->base_offset, 0);
    EXPECT_EQ(r->last_offset, 2);
    EXPECT_EQ(w.durable, 0) << "answered from inside append()";
    drain();
    EXPECT_EQ(w.written, 1);
    EXPECT_EQ(w.durable, 1);
    EXPECT_FALSE(w.error);
    EXPECT_EQ(_log->log_end_offset(), 5);
    auto gap = idempotent(5, 0, 9, 1);
    EXPECT_EQ(_log->append(gap, nullptr, now_ms).error(), errc::out_of_order_sequence);
    auto fenced = idempotent(5, -1, 5, 1);
    EXPECT_EQ(_log->append(fenced, nullptr, now_ms).error(), errc::invalid_producer_epoch);
    EXPECT_EQ(_log->log_end_offset(), 5);
}

TEST_F(log_producer_test, state_survives_clean_and_unclean_reopen_and_truncation) {
    auto l = open_log(small());
    ASSERT_TRUE(l);
    _log = std::move(l).value();
    int32_t seq = 0;
    std::vector<std::pair<int32_t, int64_t>> appended;  // (first seq, base offset)
    for (int i = 0; i < 40; ++i) {
        auto bytes = idempotent(9, 2, seq, 3);
        auto r = _log->append(bytes, nullptr, now_ms);
        ASSERT_TRUE(r);
        appended.emplace_back(seq, r->base_offset);
        seq += 3;
        drain();
    }
    ASSERT_GT(_log->segment_count(), 5u);
    auto check_known = [&](const char* when) {
        SCOPED_TRACE(when);
        // The last batch is recognised (the snapshot keeps one per producer, the scan more).
        auto retry = idempotent(9, 2, appended.back().first, 3);
        auto r = _log->append(retry, nullptr, now_ms);
        ASSERT_TRUE(r);
        EXPECT_TRUE(r->duplicate);
        EXPECT_EQ(r->base_offset, appended.back().second);
        auto gap = idempotent(9, 2, seq + 1, 1);
        EXPECT_EQ(_log->append(gap, nullptr, now_ms).error(), errc::out_of_order_sequence);
        drain();
    };
    check_known("before any reopen");
    reopen(small(), {.clean_shutdown = true});
    check_known("after a clean reopen (snapshot at the log end)");
    EXPECT_TRUE(std::filesystem::exists(producer_snapshot_path(_dir, _log->log_end_offset())));
    reopen(small(), {.clean_shutdown = false});
    check_known("after an unclean reopen");
    // Remove every snapshot: the state comes from the batches alone.
    for (int64_t o : list_producer_snapshots(_dir)) {
        std::filesystem::remove(producer_snapshot_path(_dir, o));
    }
    reopen(small(), {.clean_shutdown = false});
    check_known("with no snapshot at all");

    // Truncation: the producer continues after the last batch that remains.
    drain();
    const auto [keep_seq, keep_base] = appended[20];
    ASSERT_TRUE(_log->truncate_to(keep_base));
    for (int64_t o : list_producer_snapshots(_dir)) EXPECT_LE(o, keep_base);
    auto next = idempotent(9, 2, keep_seq, 3);
    auto r = _log->append(next, nullptr, now_ms);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->duplicate);
    EXPECT_EQ(r->base_offset, keep_base);
    drain();
}

}  // namespace
}  // namespace sluice::storage::testing
