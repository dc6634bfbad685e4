// log.write.mode=direct: O_DIRECT segment writes from aligned staging copies. The bytes on
// disk must be exactly the bytes appended, whatever the batch sizes and block boundaries,
// and the zero padding a direct write leaves past the data must never be taken for a torn
// batch or corruption, whether the log was closed, stopped without closing, truncated or
// switched between modes.

#include <sys/stat.h>

#include <random>

#include "log_test_util.h"
#include "sluice/storage/direct_writer.h"
#include "sluice/storage/log.h"
#include "sluice/storage/tail_cache.h"

namespace sluice::storage::testing {
namespace {

class log_direct : public log_test {
  protected:
    static log_config direct_config(uint64_t segment_bytes = 64 << 10) {
        log_config cfg;
        cfg.direct_io = true;
        cfg.segment_bytes = segment_bytes;
        return cfg;
    }

    /// Appends `n` batches of random sizes (1..6 records of 0..3000 bytes), draining the
    /// reactor now and then so writes both coalesce and go alone; returns their bytes.
    std::vector<uint8_t> append_random(std::mt19937_64& rng, int n) {
        std::vector<uint8_t> all;
        for (int i = 0; i < n; ++i) {
            const int records = std::uniform_int_distribution<int>(1, 6)(rng);
            const size_t value = std::uniform_int_distribution<size_t>(0, 3000)(rng);
            _buffers.push_back(make_test_batch(records, value, now_ms + i, i));
            auto r = _log->append(_buffers.back(), nullptr, now_ms);
            EXPECT_TRUE(r) << describe(r.error());
            all.insert(all.end(), _buffers.back().begin(), _buffers.back().end());
            if (std::uniform_int_distribution<int>(0, 3)(rng) == 0) drain();
        }
        drain();
        return all;
    }

    uint64_t log_file_bytes() const {
        uint64_t total = 0;
        for (const auto& e : std::filesystem::directory_iterator(_dir)) {
            if (e.path().extension() == ".log") total += e.file_size();
        }
        return total;
    }

    uint64_t active_file_bytes() const {
        std::filesystem::path last;
        for (const auto& e : std::filesystem::directory_iterator(_dir)) {
            if (e.path().extension() == ".log" && (last.empty() || e.path() > last)) {
                last = e.path();
            }
        }
        return std::filesystem::file_size(last);
    }

    /// Whether the file is whole batches and nothing after them.
    static bool batches_fill(const std::filesystem::path& path) {
        auto bytes = read_file(path);
        if (!bytes) return false;
        std::span<const uint8_t> rest(bytes.value());
        while (!rest.empty()) {
            auto size = peek_batch_size(rest);
            if (!size || *size > rest.size()) return false;
            rest = rest.subspan(*size);
        }
        return true;
    }

    static std::vector<uint8_t> joined(const std::vector<iovec>& pieces) {
        std::vector<uint8_t> out;
        for (const iovec& v : pieces) {
            const auto* p = static_cast<const uint8_t*>(v.iov_base);
            out.insert(out.end(), p, p + v.iov_len);
        }
        return out;
    }

    void drain_log(log& l) {
        for (int i = 0; i < 1000000 && (_reactor->in_flight() > 0 || !l.idle()); ++i) {
            _reactor->run_once(true);
        }
    }

    /// Reads the whole log in slices of `max_bytes` and checks each slice's memory copy
    /// (if it has one) against the file's bytes; counts slices with and without one.
    void compare_slices(size_t max_bytes, int& from_memory, int& from_file) {
        const int64_t end = _log->log_end_offset();
        for (int64_t next = 0; next < end;) {
            auto s = _log->read(next, end, max_bytes);
            ASSERT_TRUE(s && s->file);
            std::vector<uint8_t> disk(s->bytes);
            ASSERT_EQ(::pread(s->file->fd.get(), disk.data(), disk.size(),
                              static_cast<off_t>(s->position)),
                      static_cast<ssize_t>(disk.size()));
            if (!s->mem.empty()) {
                ++from_memory;
                ASSERT_EQ(s->mem_owners.size(), s->mem.size());
                EXPECT_EQ(joined(s->mem), disk) << "at offset " << next;
            } else {
                ++from_file;
            }
            next = s->next_offset;
        }
    }

    std::deque<std::vector<uint8_t>> _buffers;  // alive until written
};

TEST_F(log_direct, stores_exactly_the_appended_bytes_across_blocks_and_rolls) {
    std::mt19937_64 rng(7);
    reopen(direct_config(), {});
    std::vector<uint8_t> all = append_random(rng, 300);
    const int64_t end = _log->log_end_offset();
    EXPECT_GT(_log->counters().direct_writes, 0u);
    EXPECT_EQ(_log->counters().direct_writes, _log->counters().writes);
    EXPECT_GT(_log->segment_count(), 3u);
    EXPECT_EQ(_log->durable_end_offset(), end);
    EXPECT_EQ(read_all(0, end), all);
    // Sealed segments were trimmed once written: each ends with its last batch. The active
    // one ends on a block boundary, its padding after the data.
    for (const auto& e : std::filesystem::directory_iterator(_dir)) {
        if (e.path().extension() != ".log" || e.file_size() == active_file_bytes()) continue;
        EXPECT_TRUE(batches_fill(e.path())) << e.path() << " keeps padding after it was sealed";
    }
    EXPECT_EQ(active_file_bytes() % direct_writer::block_bytes, 0u);
    // A clean close trims the active segment too: the files hold the batches and nothing else.
    reopen(direct_config(), {.clean_shutdown = true, .recovery_point = end, .log_start_offset = 0});
    EXPECT_EQ(log_file_bytes(), all.size());
    EXPECT_EQ(read_all(0, end), all);
    EXPECT_EQ(_log->counters().torn_bytes, 0u);
}

TEST_F(log_direct, padding_left_by_a_stop_without_close_is_a_clean_end) {
    std::mt19937_64 rng(11);
    for (bool clean_marker : {false, true}) {
        SCOPED_TRACE(clean_marker ? "trusted load" : "recovery scan");
        std::filesystem::remove_all(_dir);
        _log.reset();
        reopen(direct_config(1 << 20), {});
        std::vector<uint8_t> all = append_random(rng, 40);
        const int64_t end = _log->log_end_offset();
        ASSERT_GT(active_file_bytes(), all.size()) << "the last direct write left no padding";
        // The process stops without close(): the padding stays in the file.
        drain();
        _log.reset();
        auto l = open_log(
            direct_config(1 << 20),
            {.clean_shutdown = clean_marker, .recovery_point = end, .log_start_offset = 0});
        ASSERT_TRUE(l) << describe(l.error());
        _log = std::move(l).value();
        EXPECT_EQ(_log->log_end_offset(), end);
        EXPECT_EQ(_log->counters().torn_bytes, 0u);
        EXPECT_EQ(active_file_bytes(), all.size()) << "the padding was not trimmed at open";
        EXPECT_EQ(read_all(0, end), all);
        // Appending continues right after the last batch (the partial block is read back).
        std::vector<uint8_t> more = append_random(rng, 10);
        all.insert(all.end(), more.begin(), more.end());
        EXPECT_EQ(read_all(0, _log->log_end_offset()), all);
    }
}

TEST_F(log_direct, switching_modes_and_truncating_keep_the_bytes) {
    std::mt19937_64 rng(3);
    log_config buffered;
    buffered.segment_bytes = 64 << 10;
    reopen(buffered, {});
    std::vector<uint8_t> all = append_random(rng, 20);
    _log->set_config(direct_config());
    auto more = append_random(rng, 20);
    all.insert(all.end(), more.begin(), more.end());
    _log->set_config(buffered);
    more = append_random(rng, 20);
    all.insert(all.end(), more.begin(), more.end());
    _log->set_config(direct_config());
    more = append_random(rng, 20);
    all.insert(all.end(), more.begin(), more.end());
    const int64_t end = _log->log_end_offset();
    EXPECT_EQ(read_all(0, end), all);

    // Truncate into the middle of the active segment, then append directly again: the
    // partial block after the cut must come from the file, not from the writer's memory.
    auto whole = read_all(0, end);
    const int64_t cut = end - 7;
    ASSERT_TRUE(_log->truncate_to(cut));
    std::vector<uint8_t> kept = read_all(0, cut);
    ASSERT_LT(kept.size(), all.size());
    EXPECT_TRUE(std::equal(kept.begin(), kept.end(), all.begin()));
    more = append_random(rng, 15);
    kept.insert(kept.end(), more.begin(), more.end());
    const int64_t end2 = _log->log_end_offset();
    EXPECT_EQ(read_all(0, end2), kept);
    // An unclean stop: everything scanned again, nothing torn.
    drain();
    _log.reset();
    auto l = open_log(direct_config(),
                      {.clean_shutdown = false, .recovery_point = 0, .log_start_offset = 0});
    ASSERT_TRUE(l) << describe(l.error());
    _log = std::move(l).value();
    EXPECT_EQ(_log->log_end_offset(), end2);
    EXPECT_EQ(_log->counters().torn_bytes, 0u);
    EXPECT_EQ(read_all(0, end2), kept);
}

TEST_F(log_direct, tail_reads_come_from_the_cache_and_match_the_file) {
    std::mt19937_64 rng(5);
    log_config cfg = direct_config(1 << 20);
    cfg.direct_cache_bytes = 256 << 10;
    reopen(cfg, {});
    std::vector<uint8_t> all = append_random(rng, 200);
    const int64_t end = _log->log_end_offset();
    ASSERT_EQ(read_all(0, end), all);
    // Walk the log in small reads: the newest ones come from memory, older ones from the
    // file, and both give the file's bytes.
    int from_memory = 0, from_file = 0;
    compare_slices(8192, from_memory, from_file);
    EXPECT_GT(from_memory, 0);
    EXPECT_GT(from_file, 0) << "the cache kept more than its budget";
    // A cached copy outlives the cache (a response still being sent holds it).
    auto tail = _log->read(end - 1, end, 1 << 20);
    ASSERT_TRUE(tail && !tail->mem.empty());
    std::vector<uint8_t> copy = joined(tail->mem);
    ASSERT_TRUE(_log->truncate_to(end - 1 - 5));
    EXPECT_EQ(joined(tail->mem), copy);
    // After the truncation nothing stale is served: reads match the file again.
    append_random(rng, 20);
    int again_memory = 0, again_file = 0;
    compare_slices(4096, again_memory, again_file);
    EXPECT_GT(again_memory, 0);
    // No cache: every read goes to the file.
    cfg.direct_cache_bytes = 0;
    _log->set_config(cfg);
    append_random(rng, 10);
    auto s = _log->read(_log->log_end_offset() - 1, _log->log_end_offset(), 1 << 20);
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->mem.empty());
}

TEST_F(log_direct, one_budget_for_all_partitions_oldest_out_first) {
    // Two logs on one shard, a budget of 256 KiB: writing the second takes the first's
    // copies away; the first's reads then come from the file, still right.
    std::mt19937_64 rng(9);
    log_config cfg = direct_config(8 << 20);
    cfg.direct_cache_bytes = 256 << 10;
    reopen(cfg, {});
    std::vector<uint8_t> first = append_random(rng, 60);
    const int64_t first_end = _log->log_end_offset();
    auto before = _log->read(first_end - 1, first_end, 1 << 20);
    ASSERT_TRUE(before && !before->mem.empty()) << "the newest batch is not cached";
    auto other = log::open(*_reactor, _root / "other-0", cfg, {}, now_ms);
    ASSERT_TRUE(other);
    for (int i = 0; i < 100; ++i) {
        _buffers.push_back(make_test_batch(4, 1000, now_ms, i));
        ASSERT_TRUE(other.value()->append(_buffers.back(), nullptr, now_ms));
        if (i % 10 == 9) drain_log(*other.value());
    }
    drain_log(*other.value());
    EXPECT_LE(tail_cache::local().bytes(), 256u << 10);
    auto after = _log->read(first_end - 1, first_end, 1 << 20);
    ASSERT_TRUE(after);
    EXPECT_TRUE(after->mem.empty()) << "the first log kept its copies past the budget";
    EXPECT_EQ(read_all(0, first_end), first);
    auto last = other.value()->read(other.value()->log_end_offset() - 1,
                                    other.value()->log_end_offset(), 1 << 20);
    ASSERT_TRUE(last);
    EXPECT_FALSE(last->mem.empty());
    drain_log(*other.value());
}

TEST_F(log_direct, a_batch_larger_than_one_write_goes_alone) {
    log_config cfg = direct_config(64 << 20);
    cfg.max_message_bytes = 8 << 20;
    reopen(cfg, {});
    // Two 5 MiB batches and small ones around them: each large batch is one write.
    std::vector<uint8_t> all;
    for (size_t value : {100u, 5u << 20, 300u, 5u << 20, 7u}) {
        _buffers.push_back(make_test_batch(1, value, now_ms, 1));
        ASSERT_TRUE(_log->append(_buffers.back(), nullptr, now_ms));
        all.insert(all.end(), _buffers.back().begin(), _buffers.back().end());
    }
    drain();
    EXPECT_GE(_log->counters().direct_writes, 3u);
    EXPECT_EQ(read_all(0, _log->log_end_offset(), 16 << 20), all);
}

}  // namespace
}  // namespace sluice::storage::testing
