// The corruption matrix of the segment format (leveldb db/log_test.cc style): a log is
// written and left without close() (an unclean stop), then every header byte of a batch is
// flipped, or the file is cut at every length inside the last batch, and the reopened log
// must do exactly what the recovery rule (log_recovery.cc, storage README) says: a bad batch
// at or past the recovery point is a torn tail, cut and counted; one below it keeps the
// partition offline. Damaged index files are rebuilt from the .log on a clean reopen.

#include <fcntl.h>
#include <unistd.h>

#include <map>
#include <random>

#include "log_test_util.h"
#include "sluice/storage/log.h"

namespace sluice::storage::testing {
namespace {

using file_set = std::map<std::string, std::vector<uint8_t>>;

class log_corruption : public log_test {
  protected:
    void SetUp() override {
        log_test::SetUp();
        if (IsSkipped() || HasFailure()) return;
        // Recovery logic is under test, not the disk: on tmpfs the hundreds of reopens
        // (each with its fsyncs) stay fast on a loaded machine. /tmp when there is none.
        char tmpl[] = "/dev/shm/sluice-corruption-XXXXXX";
        if (mkdtemp(tmpl) == nullptr) return;
        std::filesystem::remove_all(_root);
        _root = tmpl;
        _dir = _root / "topic-0";
    }
    static log_config small_config() {
        log_config c;
        c.segment_index_bytes = 4096;  // keep the preallocated indexes cheap to copy
        return c;
    }

    /// Appends `n` batches of varied sizes (timestamps falling, so a segment's largest
    /// timestamp sits in its first batch), drains, and drops the log without close().
    void write_log(const log_config& cfg, int n) {
        reopen(cfg, {});
        ASSERT_FALSE(HasFatalFailure());
        for (int i = 0; i < n; ++i) {
            auto b = make_test_batch(1 + i % 4, 40 + 37 * static_cast<size_t>(i % 5),
                                     now_ms - 1000 * i, static_cast<uint32_t>(i + 1));
            auto r = _log->append(b, nullptr, now_ms);
            ASSERT_TRUE(r);
            _bases.push_back(r->base_offset);
            _batches.push_back(std::move(b));
        }
        drain();
        _end = _log->log_end_offset();
        ASSERT_EQ(_log->durable_end_offset(), _end);
        _log.reset();
        _snapshot = snapshot();
    }

    file_set snapshot() const {
        file_set files;
        for (const auto& e : std::filesystem::directory_iterator(_dir)) {
            auto bytes = read_file(e.path());
            EXPECT_TRUE(bytes);
            files[e.path().filename().string()] = std::move(bytes).value();
        }
        return files;
    }
    void restore(const file_set& files) {
        _log.reset();
        std::filesystem::remove_all(_dir);
        std::filesystem::create_directories(_dir);
        for (const auto& [name, bytes] : files) {
            // No fsync: nothing here has to survive a crash, and it keeps the loops fast.
            std::FILE* f = std::fopen((_dir / name).c_str(), "wb");
            ASSERT_NE(f, nullptr);
            if (!bytes.empty()) {
                ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
            }
            ASSERT_EQ(std::fclose(f), 0);
        }
    }
    std::filesystem::path log_file(int64_t base) const {
        return _dir / segment::file_name(base, ".log");
    }
    static void flip(const std::filesystem::path& p, uint64_t pos) {
        int fd = ::open(p.c_str(), O_RDWR);
        ASSERT_GE(fd, 0);
        uint8_t b = 0;
        ASSERT_EQ(::pread(fd, &b, 1, static_cast<off_t>(pos)), 1);
        b ^= 0xFF;
        ASSERT_EQ(::pwrite(fd, &b, 1, static_cast<off_t>(pos)), 1);
        ::close(fd);
    }
    /// Position of batch i inside its segment file, given the segments' base offsets.
    uint64_t position_of(size_t i) const {
        uint64_t pos = 0;
        for (size_t j = i; j-- > 0 && segment_base_of(j) == segment_base_of(i);) {
            pos += _batches[j].size();
        }
        return pos;
    }
    int64_t segment_base_of(size_t i) const {
        int64_t base = 0;
        for (const auto& [name, bytes] : _snapshot) {
            if (name.ends_with(".log") && std::stoll(name) <= _bases[i]) {
                base = std::max<int64_t>(base, std::stoll(name));
            }
        }
        return base;
    }
    std::vector<uint8_t> concat(size_t from, size_t to) const {
        std::vector<uint8_t> out;
        for (size_t i = from; i < to; ++i)
            out.insert(out.end(), _batches[i].begin(), _batches[i].end());
        return out;
    }
    result<std::unique_ptr<log>> open_unclean(int64_t recovery_point) {
        return open_log(small_config(), {false, recovery_point, 0});
    }

    /// The log opened, ends after batch `kept - 1`, counted `torn` bytes, holds the
    /// first `kept` batches intact, and takes appends at its end.
    void expect_cut(result<std::unique_ptr<log>> opened, size_t kept, uint64_t torn) {
        ASSERT_TRUE(opened) << describe(opened.error());
        _log = std::move(opened).value();
        const int64_t end = kept == _bases.size() ? _end : _bases[kept];
        ASSERT_EQ(_log->log_end_offset(), end);
        EXPECT_EQ(_log->durable_end_offset(), end);
        EXPECT_EQ(_log->counters().torn_bytes, torn);
        EXPECT_TRUE(read_all(0, end) == concat(0, kept)) << "kept batches differ";
        auto more = make_test_batch(2, 30, now_ms, 99);
        recording_waiter w;
        auto r = _log->append(more, &w, now_ms);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->base_offset, end);
        drain();
        EXPECT_EQ(w.durable, 1);
        EXPECT_FALSE(w.error);
        EXPECT_EQ(_log->durable_end_offset(), end + 2);
        EXPECT_TRUE(read_all(end, end + 2) == more);
    }

    std::vector<std::vector<uint8_t>> _batches;  // as stored (baseOffset patched)
    std::vector<int64_t> _bases;
    int64_t _end = 0;
    file_set _snapshot;
};

/// Header bytes not covered by the CRC nor checked by recovery: partitionLeaderEpoch.
bool unchecked_header_byte(size_t b) {
    return b >= batch_field::partition_leader_epoch && b < batch_field::magic;
}

TEST_F(log_corruption, every_header_byte_of_the_last_batch_flipped_is_a_torn_tail) {
    write_log(small_config(), 6);
    ASSERT_FALSE(HasFatalFailure());
    const size_t last = _batches.size() - 1;
    const uint64_t pos = position_of(last);
    for (size_t b = 0; b < batch_header_bytes; ++b) {
        SCOPED_TRACE("flipped header byte " + std::to_string(b));
        restore(_snapshot);
        flip(log_file(0), pos + b);
        auto opened = open_unclean(_bases[last]);
        if (unchecked_header_byte(b)) {
            // Not covered by the CRC and not interpreted: the batch stays, as damaged.
            ASSERT_TRUE(opened);
            _log = std::move(opened).value();
            EXPECT_EQ(_log->log_end_offset(), _end);
            EXPECT_EQ(_log->counters().torn_bytes, 0u);
            auto want = concat(0, _batches.size());
            want[pos + b] ^= 0xFF;
            EXPECT_TRUE(read_all(0, _end) == want);
            _log.reset();
            continue;
        }
        // baseOffset is not covered by the CRC either: recovery catches a damaged one
        // because it does not continue the previous batch's offsets.
        expect_cut(std::move(opened), last, _batches[last].size());
        if (HasFatalFailure()) return;
    }
}

TEST_F(log_corruption, cut_at_every_length_inside_the_last_batch_is_a_torn_tail) {
    write_log(small_config(), 5);
    ASSERT_FALSE(HasFatalFailure());
    const size_t last = _batches.size() - 1;
    const uint64_t pos = position_of(last);
    for (uint64_t len = pos; len < pos + _batches[last].size(); ++len) {
        SCOPED_TRACE("file cut to " + std::to_string(len) + " bytes");
        restore(_snapshot);
        std::filesystem::resize_file(log_file(0), len);
        expect_cut(open_unclean(_bases[last]), last, len - pos);
        if (HasFatalFailure()) return;
    }
}

TEST_F(log_corruption, a_flip_below_the_recovery_point_keeps_the_partition_offline) {
    write_log(small_config(), 6);
    ASSERT_FALSE(HasFatalFailure());
    const size_t victim = 2;
    const uint64_t pos = position_of(victim);
    std::vector<uint64_t> where;
    for (uint64_t b = 0; b < batch_header_bytes; ++b) where.push_back(pos + b);
    where.push_back(pos + _batches[victim].size() / 2);  // inside the records
    where.push_back(pos + _batches[victim].size() - 1);
    for (uint64_t at : where) {
        SCOPED_TRACE("flipped byte " + std::to_string(at - pos) + " of batch " +
                     std::to_string(victim));
        restore(_snapshot);
        flip(log_file(0), at);
        const auto damaged = read_file(log_file(0)).value();
        if (at - pos < batch_header_bytes && unchecked_header_byte(at - pos)) {
            auto opened = open_unclean(_bases.back());
            EXPECT_TRUE(opened);
            continue;
        }
        // Recovery point at the last batch, and at the end: either way flushed data.
        for (int64_t rp : {_bases.back(), _end}) {
            auto opened = open_unclean(rp);
            ASSERT_FALSE(opened) << "opened with recovery point " << rp;
            EXPECT_EQ(opened.error(), errc::corrupt_log);
            // Nothing was cut or skipped: the file is exactly as damaged as it was.
            EXPECT_TRUE(read_file(log_file(0)).value() == damaged);
        }
        // A clean-shutdown open trusts the files and does not validate the batches, but
        // the damage still must not cut flushed data: it opens whole or refuses.
        auto clean = open_log(small_config(), {true, _end, 0});
        if (clean) {
            EXPECT_EQ(clean.value()->log_end_offset(), _end);
        }
    }
}

TEST_F(log_corruption, a_flip_in_an_earlier_segment_with_recovery_point_zero_cuts_the_rest) {
    log_config cfg = small_config();
    cfg.segment_bytes = 1200;
    write_log(cfg, 20);
    ASSERT_FALSE(HasFatalFailure());
    size_t victim = 1;  // the second batch of the first segment
    ASSERT_EQ(segment_base_of(victim), 0);
    size_t first_segment_bytes = _snapshot.at(segment::file_name(0, ".log")).size();
    size_t log_files = 0;
    uint64_t later_bytes = 0;
    for (const auto& [name, bytes] : _snapshot) {
        if (!name.ends_with(".log")) continue;
        ++log_files;
        if (name != segment::file_name(0, ".log")) later_bytes += bytes.size();
    }
    ASSERT_GE(log_files, 3u);
    const uint64_t pos = position_of(victim);
    for (uint64_t off : {uint64_t{batch_field::crc}, uint64_t{batch_header_bytes + 3}}) {
        SCOPED_TRACE("flipped byte " + std::to_string(off));
        restore(_snapshot);
        flip(log_file(0), pos + off);
        // Everything past the recovery point counts as unflushed: a torn tail. The cut
        // bytes of the damaged segment and the later segments, removed whole, all count.
        expect_cut(open_unclean(0), victim, first_segment_bytes - pos + later_bytes);
        if (HasFatalFailure()) return;
        std::vector<std::string> names;
        for (const auto& e : std::filesystem::directory_iterator(_dir)) {
            names.push_back(e.path().filename().string());
        }
        std::sort(names.begin(), names.end());
        EXPECT_EQ(names, (std::vector<std::string>{segment::file_name(0, ".index"),
                                                   segment::file_name(0, ".log"),
                                                   segment::file_name(0, ".timeindex")}));
        // The cut segment is the active one now; a clean reopen finds it as left.
        reopen(cfg, {true, _bases[victim] + 2, 0});
        ASSERT_FALSE(HasFatalFailure());
        EXPECT_EQ(_log->log_end_offset(), _bases[victim] + 2);
        EXPECT_EQ(_log->segment_count(), 1u);
    }
}

TEST_F(log_corruption, a_segment_after_unwritten_offsets_is_a_torn_tail) {
    // The state a kill -9 leaves when a roll created the next segment's file before the
    // batches queued for the previous segment were written: the previous segment ends
    // short of the next one's base offset. Found by the crash test.
    log_config cfg = small_config();
    cfg.segment_bytes = 1200;
    write_log(cfg, 12);
    ASSERT_FALSE(HasFatalFailure());
    const size_t first_of_second = [&] {
        size_t i = 0;
        while (segment_base_of(i) == 0) ++i;
        return i;
    }();
    ASSERT_GE(first_of_second, 2u);
    const int64_t second_base = _bases[first_of_second];
    const size_t unwritten = first_of_second - 1;  // the last batch of the first segment
    file_set files;
    for (const auto& [name, bytes] : _snapshot) {
        if (std::stoll(name) <= second_base) files[name] = bytes;
    }
    files[segment::file_name(second_base, ".log")].clear();
    files[segment::file_name(0, ".log")].resize(position_of(unwritten));
    for (int64_t rp : {int64_t{0}, _bases[unwritten]}) {
        SCOPED_TRACE("recovery point " + std::to_string(rp));
        restore(files);
        expect_cut(open_unclean(rp), unwritten, 0);
        if (HasFatalFailure()) return;
        EXPECT_FALSE(std::filesystem::exists(log_file(second_base)));
        EXPECT_EQ(_log->segment_count(), 1u);
    }
    // Offsets below the recovery point cannot be missing: that is corruption.
    restore(files);
    auto opened = open_unclean(_bases[unwritten] + 1);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error(), errc::corrupt_log);
    EXPECT_TRUE(std::filesystem::exists(log_file(second_base)));
}

class log_index_corruption : public log_corruption {
  protected:
    /// A clean-closed multi-segment log with dense indexes, and what reads should find.
    void SetUp() override {
        log_corruption::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        _cfg = small_config();
        _cfg.segment_bytes = 2500;
        _cfg.index_interval_bytes = 150;
        write_log(_cfg, 40);
        ASSERT_FALSE(HasFatalFailure());
        reopen(_cfg, {false, _end, 0});
        ASSERT_FALSE(HasFatalFailure());
        reopen(_cfg, {true, _end, 0});  // close(): every index sealed and trimmed
        ASSERT_FALSE(HasFatalFailure());
        _all = read_all(0, _end);
        ASSERT_TRUE(_all == concat(0, _batches.size()));
        _max_ts = _log->max_timestamp();
        for (int64_t ts = now_ms - 1000 * 40; ts <= now_ms + 10; ts += 333) {
            _by_time.emplace_back(ts, _log->offset_for_timestamp(ts));
        }
        ASSERT_TRUE(_log->close());
        _log.reset();
        _snapshot = snapshot();
    }

    /// Reopen cleanly after `damage`, then expect the same reads and lookups as before;
    /// `rebuilt`: the damaged files were rewritten to exactly what the log had written.
    void expect_recovered(const std::string& file, bool rebuilt) {
        auto opened = open_log(_cfg, {true, _end, 0});
        ASSERT_TRUE(opened) << describe(opened.error());
        _log = std::move(opened).value();
        EXPECT_EQ(_log->log_end_offset(), _end);
        EXPECT_TRUE(read_all(0, _end, 700) == _all);
        EXPECT_EQ(_log->max_timestamp(), _max_ts);
        for (const auto& [ts, want] : _by_time) {
            EXPECT_EQ(_log->offset_for_timestamp(ts), want) << "ts " << ts;
        }
        if (!rebuilt) return;
        ASSERT_TRUE(_log->close());
        _log.reset();
        // close() trims the active segment's indexes too, so every file compares whole.
        EXPECT_TRUE(read_file(_dir / file).value() == _snapshot.at(file)) << file;
    }

    log_config _cfg;
    std::vector<uint8_t> _all;
    std::optional<std::pair<int64_t, int64_t>> _max_ts;
    std::vector<std::pair<int64_t, std::optional<int64_t>>> _by_time;
};

TEST_F(log_index_corruption, damaged_indexes_are_rebuilt_on_a_clean_reopen) {
    std::vector<std::string> indexes;
    for (const auto& [name, bytes] : _snapshot) {
        if (name.ends_with("index")) indexes.push_back(name);
    }
    ASSERT_GE(indexes.size(), 6u);
    std::mt19937 gen(20240611);  // fixed: the same garbage every run
    for (const std::string& name : indexes) {
        const std::vector<uint8_t>& good = _snapshot.at(name);
        const size_t entry = name.ends_with(".timeindex") ? 12 : 8;
        // Garbage of at least ten entries: random values cannot pass the sanity check.
        std::vector<uint8_t> garbage(std::max(good.size(), 10 * entry));
        for (auto& b : garbage) b = static_cast<uint8_t>(gen());
        std::vector<uint8_t> longer = good;
        longer.insert(longer.end(), 5, 0x5A);
        std::vector<uint8_t> shorter(good.begin(), good.end() - std::min<size_t>(good.size(), 3));
        for (const auto& [what, bytes] : std::map<std::string, std::vector<uint8_t>>{
                 {"garbage", garbage}, {"longer", longer}, {"shorter", shorter}}) {
            SCOPED_TRACE(name + ": " + what);
            file_set files = _snapshot;
            files[name] = bytes;
            restore(files);
            expect_recovered(name, true);
            if (HasFatalFailure()) return;
        }
    }
}

TEST_F(log_index_corruption, emptied_indexes_still_give_right_answers) {
    for (const auto& [name, bytes] : _snapshot) {
        if (!name.ends_with("index")) continue;
        SCOPED_TRACE(name + " emptied");
        file_set files = _snapshot;
        files[name].clear();
        restore(files);
        expect_recovered(name, false);
    }
}

TEST_F(log_index_corruption, missing_indexes_are_rebuilt_on_a_clean_reopen) {
    for (const auto& [name, bytes] : _snapshot) {
        if (!name.ends_with("index")) continue;
        SCOPED_TRACE(name + " missing");
        file_set files = _snapshot;
        files.erase(name);
        restore(files);
        expect_recovered(name, true);
    }
}

}  // namespace
}  // namespace sluice::storage::testing
