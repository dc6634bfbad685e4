// The partition log through its public API on the real kernel: group-committed appends,
// reads on batch boundaries, rolls, reopen, timestamps, truncation and retention.

#include "sluice/storage/log.h"

#include <fcntl.h>

#include "log_test_util.h"

namespace sluice::storage::testing {
namespace {

using storage_log = log_test;

TEST_F(storage_log, appends_in_one_turn_share_one_write_and_one_fdatasync) {
    reopen(log_config{}, {});
    std::vector<std::vector<uint8_t>> batches;
    std::vector<recording_waiter> waiters(50);
    for (int i = 0; i < 50; ++i) batches.push_back(make_test_batch(3, 100, now_ms + i, i));
    for (int i = 0; i < 50; ++i) {
        auto r = _log->append(batches[i], &waiters[i], now_ms);
        ASSERT_TRUE(r) << describe(r.error());
        EXPECT_EQ(r->base_offset, i * 3);
        EXPECT_EQ(r->last_offset, i * 3 + 2);
    }
    EXPECT_EQ(_log->log_end_offset(), 150);
    EXPECT_EQ(_log->durable_end_offset(), 0);
    drain();
    for (auto& w : waiters) {
        EXPECT_EQ(w.written, 1);
        EXPECT_EQ(w.durable, 1);
        EXPECT_FALSE(w.error);
    }
    EXPECT_EQ(_log->counters().writes, 1u);
    EXPECT_EQ(_log->counters().syncs, 1u);
    EXPECT_EQ(_log->durable_end_offset(), 150);
    // Offsets were patched in place in the caller's buffers, the CRC still holds.
    EXPECT_EQ(record_batch_view(batches[7]).base_offset(), 21);
    EXPECT_TRUE(validate_batch(batches[7], SIZE_MAX));
}

TEST_F(storage_log, read_returns_whole_batches_bounded_by_limit_and_bytes) {
    reopen(log_config{}, {});
    std::vector<std::vector<uint8_t>> batches;
    for (int i = 0; i < 10; ++i) batches.push_back(make_test_batch(2, 500, now_ms, i));
    for (auto& b : batches) ASSERT_TRUE(_log->append(b, nullptr, now_ms));
    drain();
    const size_t one = batches[0].size();
    // Starting mid-batch returns the batch containing the offset.
    auto s = _log->read(5, 20, 10 * one);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->first_offset, 4);
    EXPECT_EQ(s->position, 2 * one);
    EXPECT_EQ(s->bytes, 8 * one);
    EXPECT_EQ(s->next_offset, 20);
    // max_bytes cuts on a batch boundary...
    s = _log->read(0, 20, 3 * one + 10);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->bytes, 3 * one);
    EXPECT_EQ(s->next_offset, 6);
    // ...but the first batch is whole even when larger than max_bytes.
    s = _log->read(0, 20, 1);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->bytes, one);
    // The limit offset (high watermark) cuts too.
    s = _log->read(0, 7, 1 << 20);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->next_offset, 6);
    s = _log->read(6, 7, 1 << 20);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->file, nullptr);
    // At the end: empty; past it: out of range.
    s = _log->read(20, 20, 1 << 20);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->bytes, 0u);
    EXPECT_FALSE(_log->read(21, 30, 1 << 20));
    EXPECT_EQ(_log->read(21, 30, 1 << 20).error(), errc::offset_out_of_range);
    // The bytes read are the bytes appended.
    std::vector<uint8_t> all;
    for (auto& b : batches) all.insert(all.end(), b.begin(), b.end());
    EXPECT_EQ(read_all(0, 20, 2000), all);
}

TEST_F(storage_log, invalid_batch_is_refused_and_nothing_written) {
    reopen(log_config{}, {});
    auto b = make_test_batch(2, 100, now_ms, 1);
    b[b.size() - 1] ^= 0xFF;
    auto r = _log->append(b, nullptr, now_ms);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::crc_mismatch);
    log_config small;
    small.max_message_bytes = 100;
    _log->set_config(small);
    auto big = make_test_batch(2, 200, now_ms, 1);
    EXPECT_EQ(_log->append(big, nullptr, now_ms).error(), errc::batch_too_large);
    drain();
    EXPECT_EQ(_log->log_end_offset(), 0);
    EXPECT_EQ(_log->size_bytes(), 0u);
}

TEST_F(storage_log, rolls_by_size_and_reopens_cleanly) {
    log_config cfg;
    cfg.segment_bytes = 4096;
    reopen(cfg, {});
    std::vector<std::vector<uint8_t>> batches;
    for (int i = 0; i < 40; ++i) batches.push_back(make_test_batch(4, 250, now_ms + i, i));
    for (auto& b : batches) ASSERT_TRUE(_log->append(b, nullptr, now_ms));
    drain();
    EXPECT_GT(_log->segment_count(), 5u);
    std::vector<uint8_t> all;
    for (auto& b : batches) all.insert(all.end(), b.begin(), b.end());
    EXPECT_EQ(read_all(0, 160), all);
    size_t segments = _log->segment_count();
    reopen(cfg, {.clean_shutdown = true, .recovery_point = 160, .log_start_offset = 0});
    EXPECT_EQ(_log->segment_count(), segments);
    EXPECT_EQ(_log->log_end_offset(), 160);
    EXPECT_EQ(read_all(0, 160), all);
    // And after an unclean stop with recovery point 0 (scan everything).
    reopen(cfg, {.clean_shutdown = false, .recovery_point = 0, .log_start_offset = 0});
    EXPECT_EQ(_log->log_end_offset(), 160);
    EXPECT_EQ(read_all(0, 160), all);
    EXPECT_EQ(_log->counters().torn_bytes, 0u);
    // Appends continue after the reopen.
    auto more = make_test_batch(1, 10, now_ms, 99);
    auto r = _log->append(more, nullptr, now_ms);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->base_offset, 160);
}

TEST_F(storage_log, rolls_by_time) {
    log_config cfg;
    cfg.segment_ms = 1000;
    reopen(cfg, {});
    auto a = make_test_batch(1, 10, now_ms, 1);
    auto b = make_test_batch(1, 10, now_ms + 500, 2);
    auto c = make_test_batch(1, 10, now_ms + 2000, 3);
    ASSERT_TRUE(_log->append(a, nullptr, now_ms));
    ASSERT_TRUE(_log->append(b, nullptr, now_ms + 500));
    EXPECT_EQ(_log->segment_count(), 1u);
    ASSERT_TRUE(_log->append(c, nullptr, now_ms + 2000));
    EXPECT_EQ(_log->segment_count(), 2u);
    drain();
}

TEST_F(storage_log, replaying_old_timestamps_does_not_roll_every_batch) {
    // Kafka measures segment.ms in record time once the segment has a timestamp: a producer
    // replaying last year's data must not get a segment per batch.
    log_config cfg;
    cfg.segment_ms = 1000;
    reopen(cfg, {});
    std::vector<std::vector<uint8_t>> batches;
    for (int i = 0; i < 10; ++i) batches.push_back(make_test_batch(1, 10, 1'000'000 + i * 10, i));
    for (auto& b : batches) ASSERT_TRUE(_log->append(b, nullptr, now_ms));
    EXPECT_EQ(_log->segment_count(), 1u);
    auto later = make_test_batch(1, 10, 1'000'000 + 5000, 99);
    ASSERT_TRUE(_log->append(later, nullptr, now_ms));
    EXPECT_EQ(_log->segment_count(), 2u);
    drain();
}

TEST_F(storage_log, lookup_by_timestamp_and_max_timestamp) {
    log_config cfg;
    cfg.segment_bytes = 2048;
    cfg.index_interval_bytes = 256;
    reopen(cfg, {});
    std::vector<std::vector<uint8_t>> batches;
    // Batch i holds records with timestamps 1000*i + {0,1,2}.
    for (int i = 0; i < 30; ++i) batches.push_back(make_test_batch(3, 100, 1000 * i, i));
    for (auto& b : batches) ASSERT_TRUE(_log->append(b, nullptr, now_ms));
    drain();
    EXPECT_EQ(_log->offset_for_timestamp(0), 0);
    EXPECT_EQ(_log->offset_for_timestamp(1), 1);
    EXPECT_EQ(_log->offset_for_timestamp(2), 2);
    EXPECT_EQ(_log->offset_for_timestamp(3), 3);  // next batch starts at ts 1000
    EXPECT_EQ(_log->offset_for_timestamp(17001), 52);
    EXPECT_EQ(_log->offset_for_timestamp(29002), 89);
    EXPECT_EQ(_log->offset_for_timestamp(29003), std::nullopt);
    auto mx = _log->max_timestamp();
    ASSERT_TRUE(mx);
    EXPECT_EQ(mx->first, 29002);
    EXPECT_EQ(mx->second, 89);
}

TEST_F(storage_log, truncate_to_removes_the_tail_and_appends_continue) {
    log_config cfg;
    cfg.segment_bytes = 3000;
    reopen(cfg, {});
    std::vector<std::vector<uint8_t>> batches;
    for (int i = 0; i < 20; ++i) batches.push_back(make_test_batch(5, 100, now_ms, i));
    for (auto& b : batches) ASSERT_TRUE(_log->append(b, nullptr, now_ms));
    drain();
    size_t before = _log->segment_count();
    ASSERT_TRUE(_log->truncate_to(37));  // mid batch [35,39]: that batch goes whole
    EXPECT_EQ(_log->log_end_offset(), 35);
    EXPECT_LT(_log->segment_count(), before);
    std::vector<uint8_t> kept;
    for (int i = 0; i < 7; ++i) kept.insert(kept.end(), batches[i].begin(), batches[i].end());
    EXPECT_EQ(read_all(0, 35), kept);
    auto b = make_test_batch(2, 10, now_ms, 77);
    auto r = _log->append(b, nullptr, now_ms);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->base_offset, 35);
    drain();
    reopen(cfg, {.clean_shutdown = false, .recovery_point = 0, .log_start_offset = 0});
    EXPECT_EQ(_log->log_end_offset(), 37);
    // Truncating below the first segment starts the log over at that offset.
    ASSERT_TRUE(_log->truncate_to(0));
    EXPECT_EQ(_log->log_end_offset(), 0);
}

TEST_F(storage_log, retention_by_bytes_time_and_log_start) {
    log_config cfg;
    cfg.segment_bytes = 2000;
    reopen(cfg, {});
    std::vector<std::vector<uint8_t>> batches;
    for (int i = 0; i < 30; ++i) batches.push_back(make_test_batch(2, 300, now_ms - 100000 + i, i));
    for (auto& b : batches) ASSERT_TRUE(_log->append(b, nullptr, now_ms));
    drain();
    const size_t segments = _log->segment_count();
    ASSERT_GT(segments, 4u);
    // Nothing expired yet with the default 7 days.
    EXPECT_EQ(_log->apply_retention(now_ms).value(), 0u);
    // retention.bytes keeps the newest segments within the limit.
    cfg.retention_bytes = 6000;
    _log->set_config(cfg);
    auto n = _log->apply_retention(now_ms);
    ASSERT_TRUE(n);
    EXPECT_GT(n.value(), 0u);
    EXPECT_GT(_log->log_start_offset(), 0);
    EXPECT_GE(_log->size_bytes() + 2000, 6000u);
    EXPECT_FALSE(_log->read(0, 60, 1000));
    // retention.ms deletes all closed segments older than the limit, never the active one.
    cfg.retention_bytes = -1;
    cfg.retention_ms = 1000;
    _log->set_config(cfg);
    ASSERT_TRUE(_log->apply_retention(now_ms));
    EXPECT_EQ(_log->segment_count(), 1u);
    // DeleteRecords-style advance.
    int64_t end = _log->log_end_offset();
    ASSERT_TRUE(_log->advance_log_start_offset(end - 1));
    EXPECT_EQ(_log->log_start_offset(), end - 1);
    EXPECT_EQ(_log->advance_log_start_offset(end + 1).error(), errc::offset_out_of_range);
}

}  // namespace
}  // namespace sluice::storage::testing

namespace sluice::storage::testing {
namespace {

TEST_F(log_test, log_append_time_stamps_the_batch_and_keeps_the_crc_valid) {
    log_config cfg;
    cfg.log_append_time = true;
    reopen(cfg, {});
    auto b = make_test_batch(3, 50, 1000, 1);
    ASSERT_TRUE(_log->append(b, nullptr, now_ms));
    drain();
    auto bytes = read_all(0, 3);
    ASSERT_EQ(bytes.size(), b.size());
    record_batch_view v(bytes);
    EXPECT_EQ(v.timestamp_type(), timestamp_type::log_append_time);
    EXPECT_EQ(v.max_timestamp(), now_ms);
    EXPECT_TRUE(validate_batch(bytes, SIZE_MAX));
    EXPECT_EQ(_log->max_timestamp()->first, now_ms);
}

}  // namespace
}  // namespace sluice::storage::testing
