// log::compact (log_cleaner.cc): what survives, the thresholds, reopen, and a crash at
// every step of the swap.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <thread>

#include "log_test_util.h"
#include "sluice/storage/cleaner_thread.h"
#include "sluice/storage/record_reader.h"

namespace sluice::storage::testing {
namespace {

namespace fs = std::filesystem;

struct rec {
    int64_t offset;
    std::string key;
    std::optional<std::string> value;
    bool operator==(const rec&) const = default;
};

std::span<const uint8_t> bytes_of(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

class log_compaction_test : public log_test {
  protected:
    log_config compact_cfg() {
        log_config c;
        c.cleanup_policy_compact = true;
        c.cleanup_policy_delete = false;
        c.segment_bytes = 1;  // every batch in a segment of its own
        c.min_cleanable_dirty_ratio = 0;
        return c;
    }
    void open_fresh(const log_config& cfg) {
        auto l = open_log(cfg);
        ASSERT_TRUE(l);
        _log = std::move(l).value();
    }
    /// One batch of (key, value) records; nullopt value = tombstone.
    void append(std::vector<std::pair<std::string, std::optional<std::string>>> kvs, int64_t ts) {
        record_batch_builder b(0, ts);
        for (const auto& [k, v] : kvs) {
            b.add(bytes_of(k), v ? std::optional(bytes_of(*v)) : std::nullopt, ts);
        }
        _batches.push_back(b.build());
        ASSERT_TRUE(_log->append(_batches.back(), nullptr, ts));
        drain();
    }
    std::vector<rec> records() {
        std::vector<rec> out;
        auto all = read_all(_log->log_start_offset(), _log->durable_end_offset());
        size_t pos = 0;
        while (pos < all.size()) {
            auto size = peek_batch_size({all.data() + pos, all.size() - pos});
            EXPECT_TRUE(size);
            std::span<const uint8_t> batch(all.data() + pos, *size);
            EXPECT_TRUE(validate_batch(batch, SIZE_MAX, offset_rule::compacted));
            EXPECT_TRUE(for_each_record(batch, [&](const record_view& r) {
                std::optional<std::string> v;
                if (r.value) v = std::string(r.value->begin(), r.value->end());
                out.push_back({r.offset, std::string(r.key->begin(), r.key->end()), v});
            }));
            pos += *size;
        }
        return out;
    }
    std::vector<std::vector<uint8_t>> _batches;
};

TEST_F(log_compaction_test, keeps_latest_value_per_key_with_original_offsets) {
    open_fresh(compact_cfg());
    append({{"a", "a1"}, {"b", "b1"}, {"a", "a2"}}, now_ms);  // 0..2
    append({{"b", "b2"}}, now_ms + 1);                        // 3
    append({{"c", "c1"}}, now_ms + 2);                        // 4
    append({{"a", "a3"}}, now_ms + 3);                        // 5, active
    auto st = _log->compact(now_ms + 10);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->segments_rewritten, 1u);
    EXPECT_EQ(st->records_removed, 2u);
    // a2 stays: the active segment's a3 is not compacted against (Kafka alike).
    std::vector<rec> want = {{2, "a", "a2"}, {3, "b", "b2"}, {4, "c", "c1"}, {5, "a", "a3"}};
    EXPECT_EQ(records(), want);
    EXPECT_EQ(_log->log_end_offset(), 6);
    // The rewritten batch keeps baseOffset 0 and lastOffsetDelta 2.
    auto s = _log->read(0, 6, 1);
    ASSERT_TRUE(s && s->file);
    EXPECT_EQ(s->first_offset, 0);
    EXPECT_EQ(s->next_offset, 3);
    // Reads from a removed offset start at the batch holding it.
    auto r1 = _log->read(1, 6, 1 << 20);
    ASSERT_TRUE(r1 && r1->file);
    EXPECT_EQ(r1->first_offset, 0);
    EXPECT_EQ(r1->next_offset, 3);
    EXPECT_EQ(_log->offset_for_timestamp(now_ms), 2);
    EXPECT_EQ(_log->offset_for_timestamp(now_ms + 2), 4);
    EXPECT_EQ(_log->offset_for_timestamp(now_ms + 3), 5);

    reopen(compact_cfg(), {.clean_shutdown = true, .recovery_point = 6});
    EXPECT_EQ(records(), want);
    reopen(compact_cfg(), {});  // unclean: every segment scanned
    EXPECT_EQ(records(), want);
    EXPECT_EQ(_log->log_end_offset(), 6);
    // A topic switched back to delete still opens its compacted segments.
    log_config del = compact_cfg();
    del.cleanup_policy_compact = false;
    reopen(del, {});
    EXPECT_EQ(records(), want);
}

TEST_F(log_compaction_test, whole_segments_of_stale_records_leave_gaps) {
    open_fresh(compact_cfg());
    append({{"a", "1"}}, now_ms);
    append({{"a", "2"}}, now_ms);
    append({{"a", "3"}}, now_ms);
    append({{"z", "z"}}, now_ms);  // active
    ASSERT_TRUE(_log->compact(now_ms));
    std::vector<rec> want = {{2, "a", "3"}, {3, "z", "z"}};
    EXPECT_EQ(records(), want);
    reopen(compact_cfg(), {});
    EXPECT_EQ(records(), want);
    EXPECT_EQ(_log->segment_count(), 4u);
    append({{"b", "b"}}, now_ms);
    EXPECT_EQ(_log->log_end_offset(), 5);
}

TEST_F(log_compaction_test, tombstones_kept_until_delete_retention) {
    log_config cfg = compact_cfg();
    cfg.delete_retention_ms = 1000;
    open_fresh(cfg);
    append({{"k", "v"}}, now_ms);
    append({{"k", std::nullopt}}, now_ms);
    append({{"x", "1"}}, now_ms);  // active
    ASSERT_TRUE(_log->compact(now_ms + 500));
    std::vector<rec> want = {{1, "k", std::nullopt}, {2, "x", "1"}};
    EXPECT_EQ(records(), want);
    // New dirty data, and the tombstone's segment is now past delete.retention.ms.
    append({{"x", "2"}}, now_ms + 1500);
    auto st = _log->compact(now_ms + 1500);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->tombstones_removed, 1u);
    want = {{2, "x", "1"}, {3, "x", "2"}};
    EXPECT_EQ(records(), want);
}

TEST_F(log_compaction_test, active_segment_untouched) {
    log_config cfg = compact_cfg();
    cfg.segment_bytes = 1 << 20;
    open_fresh(cfg);
    append({{"a", "1"}}, now_ms);
    append({{"a", "2"}}, now_ms);
    auto st = _log->compact(now_ms);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->segments_rewritten, 0u);
    EXPECT_EQ(records().size(), 2u);
}

TEST_F(log_compaction_test, dirty_ratio_threshold) {
    log_config cfg = compact_cfg();
    cfg.min_cleanable_dirty_ratio = 0.9;
    open_fresh(cfg);
    append({{"a", "1"}}, now_ms);
    append({{"a", "2"}}, now_ms);
    append({{"b", "1"}}, now_ms);  // active
    auto st = _log->compact(now_ms);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->segments_rewritten, 1u);  // nothing clean yet: ratio 1
    EXPECT_EQ(_log->cleaner_checkpoint(), 2);
    append({{"a", "3"}}, now_ms);  // closes b's segment: 2 dirty of 3 closed segments
    st = _log->compact(now_ms);
    ASSERT_TRUE(st);
    EXPECT_LT(st->dirty_ratio, 0.9);
    EXPECT_EQ(st->segments_rewritten, 0u);
    EXPECT_EQ(records().size(), 3u);
}

TEST_F(log_compaction_test, min_compaction_lag) {
    log_config cfg = compact_cfg();
    cfg.min_compaction_lag_ms = 60'000;
    open_fresh(cfg);
    append({{"a", "1"}}, now_ms);
    append({{"a", "2"}}, now_ms + 50'000);
    append({{"b", "1"}}, now_ms + 50'000);
    auto st = _log->compact(now_ms + 1'000);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->segments_rewritten, 0u);
    EXPECT_EQ(_log->cleaner_checkpoint(), 0);
    // At +70 s only the first segment is old enough, and it holds a latest value.
    st = _log->compact(now_ms + 70'000);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->segments_rewritten, 0u);
    EXPECT_EQ(_log->cleaner_checkpoint(), 1);
    st = _log->compact(now_ms + 200'000);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->segments_rewritten, 1u);
    std::vector<rec> want = {{1, "a", "2"}, {2, "b", "1"}};
    EXPECT_EQ(records(), want);
}

TEST_F(log_compaction_test, retention_deletes_only_with_delete_policy) {
    log_config cfg = compact_cfg();
    cfg.retention_ms = 1;
    open_fresh(cfg);
    append({{"a", "1"}}, now_ms);
    append({{"b", "1"}}, now_ms);
    auto n = _log->apply_retention(now_ms + 10'000);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 0u);
    cfg.cleanup_policy_delete = true;
    _log->set_config(cfg);
    n = _log->apply_retention(now_ms + 10'000);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 1u);
}

// The pass's middle runs on another thread while the shard keeps appending and rolling:
// the result is the same as a synchronous pass over the range it started with.
TEST_F(log_compaction_test, pass_runs_on_a_thread_while_appends_continue) {
    open_fresh(compact_cfg());
    for (int i = 0; i < 6; ++i) append({{"k", "v" + std::to_string(i)}, {"x", "x"}}, now_ms);
    append({{"end", "1"}}, now_ms);
    auto job = _log->begin_compaction(now_ms);
    ASSERT_TRUE(job);
    std::thread worker([&] { job->run(); });
    for (int i = 6; i < 10; ++i) append({{"k", "v" + std::to_string(i)}}, now_ms);
    worker.join();
    auto st = _log->finish_compaction(*job);
    ASSERT_TRUE(st);
    EXPECT_GT(st->segments_rewritten, 0u);
    // Within the range only the newest "k" and "x" of the range survive; later batches
    // are untouched (a later pass covers them).
    std::map<std::string, std::string> last;
    size_t ks = 0;
    for (const rec& r : records()) {
        last[r.key] = *r.value;
        ks += r.key == "k";
    }
    EXPECT_EQ(last["k"], "v9");
    EXPECT_EQ(last["x"], "x");
    EXPECT_EQ(ks, 1u + 4u);  // v5 (newest in the range) and v6..v9 after it
    for (const auto& e : fs::directory_iterator(_dir)) EXPECT_NE(e.path().extension(), ".cleaned");
}

// Retention or truncation while a pass runs: the pass is dropped, nothing is lost.
TEST_F(log_compaction_test, pass_dropped_when_the_range_changed_meanwhile) {
    open_fresh(compact_cfg());
    for (int i = 0; i < 6; ++i) append({{"k", "v" + std::to_string(i)}}, now_ms);
    append({{"end", "1"}}, now_ms);
    auto job = _log->begin_compaction(now_ms);
    ASSERT_TRUE(job);
    job->run();
    ASSERT_FALSE(job->rewritten.empty());
    ASSERT_TRUE(_log->truncate_to(3));
    const auto before = records();
    auto st = _log->finish_compaction(*job);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->segments_rewritten, 0u);
    EXPECT_EQ(records(), before);
    for (const auto& e : fs::directory_iterator(_dir)) EXPECT_NE(e.path().extension(), ".cleaned");
}

TEST_F(log_compaction_test, cleaner_thread_runs_jobs_and_discards_on_destruction) {
    open_fresh(compact_cfg());
    for (int i = 0; i < 6; ++i) append({{"k", "v" + std::to_string(i)}}, now_ms);
    append({{"end", "1"}}, now_ms);
    {
        cleaner_thread t;
        t.submit(_log->begin_compaction(now_ms), 42);
        EXPECT_EQ(t.outstanding(), 1u);
        std::vector<cleaner_thread::finished> done;
        for (int i = 0; i < 1000 && done.empty(); ++i) {
            done = t.take_finished();
            if (done.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        ASSERT_EQ(done.size(), 1u);
        EXPECT_EQ(done[0].tag, 42u);
        EXPECT_EQ(t.outstanding(), 0u);
        auto st = _log->finish_compaction(*done[0].job);
        ASSERT_TRUE(st);
        EXPECT_GT(st->segments_rewritten, 0u);
    }
    for (int i = 6; i < 12; ++i) append({{"k", "v" + std::to_string(i)}}, now_ms);
    append({{"end", "2"}}, now_ms);
    {
        cleaner_thread t;
        t.submit(_log->begin_compaction(now_ms), 7);
        // Destroyed with the job running or done but never taken: its files go.
    }
    for (const auto& e : fs::directory_iterator(_dir)) EXPECT_NE(e.path().extension(), ".cleaned");
    EXPECT_EQ(records().back().value, "2");
}

// Batches that came compressed are walked too, and a rewritten one keeps its codec.
TEST_F(log_compaction_test, compressed_batches_are_compacted_in_their_codec) {
    open_fresh(compact_cfg());
    auto append_zstd = [&](std::vector<std::pair<std::string, std::string>> kvs) {
        record_batch_builder b(0, now_ms);
        for (const auto& [k, v] : kvs) b.add(bytes_of(k), bytes_of(v), now_ms);
        std::vector<uint8_t> z;
        ASSERT_TRUE(recompress_batch(b.build(), 4, 3, z));
        _batches.push_back(std::move(z));
        ASSERT_TRUE(_log->append(_batches.back(), nullptr, now_ms));
        drain();
    };
    append_zstd({{"a", "a1"}, {"b", "b1"}, {"c", "c1"}});
    append_zstd({{"a", "a2"}, {"d", "d1"}});
    append({{"b", "b2"}}, now_ms);
    append({{"end", "1"}}, now_ms);
    auto st = _log->compact(now_ms);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->records_removed, 2u);  // a1, b1
    std::map<std::string, std::string> last;
    for (const rec& r : records()) last[r.key] = *r.value;
    EXPECT_EQ(last, (std::map<std::string, std::string>{
                        {"a", "a2"}, {"b", "b2"}, {"c", "c1"}, {"d", "d1"}, {"end", "1"}}));
    // The first batch was rewritten (c1 alone) and is still zstd.
    auto all = read_all(0, 3);
    ASSERT_GE(all.size(), batch_header_bytes);
    EXPECT_EQ(record_batch_view(all).compression(), compression_type::zstd);
    EXPECT_EQ(record_batch_view(all).record_count(), 1);
}

// A crash at each step of the swap, left on disk exactly as a kill would leave it.
TEST_F(log_compaction_test, crash_at_every_swap_step) {
    open_fresh(compact_cfg());
    for (int i = 0; i < 4; ++i) {
        append({{"a", "a" + std::to_string(i)}, {"b" + std::to_string(i), "x"}}, now_ms);
        append({{"c", "c" + std::to_string(i)}}, now_ms);
    }
    append({{"end", "1"}}, now_ms);  // active
    const fs::path before = _root / "before", after = _root / "after";
    reopen(compact_cfg(), {.clean_shutdown = true});
    fs::copy(_dir, before, fs::copy_options::recursive);
    const std::vector<rec> all = records();
    ASSERT_TRUE(_log->compact(now_ms));
    reopen(compact_cfg(), {.clean_shutdown = true});
    fs::copy(_dir, after, fs::copy_options::recursive);
    std::map<std::string, std::string> latest;
    for (const rec& r : all) latest[r.key] = *r.value;

    std::vector<std::string> rewritten;  // file names of the rewritten segments
    for (const auto& e : fs::directory_iterator(before)) {
        const auto name = e.path().filename().string();
        if (e.path().extension() != ".log") continue;
        if (fs::file_size(e.path()) != fs::file_size(after / name)) rewritten.push_back(name);
    }
    ASSERT_GE(rewritten.size(), 2u);
    for (int step = 0; step < 8; ++step) {
        for (bool mixed : {false, true}) {
            SCOPED_TRACE("step " + std::to_string(step) + (mixed ? " mixed" : ""));
            _log.reset();
            fs::remove_all(_dir);
            fs::copy(before, _dir, fs::copy_options::recursive);
            // The checkpoint is written before the first swap.
            if (step >= 1 || mixed)
                fs::copy_file(after / "cleaner-offset-checkpoint",
                              _dir / "cleaner-offset-checkpoint",
                              fs::copy_options::overwrite_existing);
            for (size_t i = 0; i < rewritten.size(); ++i) {
                const std::string log_name = rewritten[i];
                const std::string base = fs::path(log_name).stem().string();
                const int s = mixed && i == 0 ? 7 : step;
                const fs::path cleaned = _dir / (log_name + ".cleaned");
                fs::copy_file(after / log_name, cleaned);
                if (s >= 2) fs::rename(cleaned, _dir / (log_name + ".swap"));
                if (s >= 3) fs::remove(_dir / (base + ".index"));
                if (s >= 4) fs::remove(_dir / (base + ".timeindex"));
                if (s >= 5) fs::remove(_dir / log_name);
                if (s >= 6) fs::rename(_dir / (log_name + ".swap"), _dir / log_name);
                if (s >= 7) {
                    fs::copy_file(after / (base + ".index"), _dir / (base + ".index"));
                    fs::copy_file(after / (base + ".timeindex"), _dir / (base + ".timeindex"));
                }
            }
            reopen(compact_cfg(), {});
            auto got = records();
            std::map<std::string, std::string> seen;
            int64_t prev = -1;
            for (const rec& r : got) {
                EXPECT_GT(r.offset, prev);
                prev = r.offset;
                seen[r.key] = *r.value;
            }
            EXPECT_EQ(seen, latest);
            EXPECT_EQ(_log->log_end_offset(), all.back().offset + 1);
            for (const auto& e : fs::directory_iterator(_dir)) {
                EXPECT_NE(e.path().extension(), ".cleaned");
                EXPECT_NE(e.path().extension(), ".swap");
            }
            // And the log compacts again from there.
            ASSERT_TRUE(_log->compact(now_ms));
            drain();
        }
    }
}

}  // namespace
}  // namespace sluice::storage::testing
