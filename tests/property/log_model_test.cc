// Randomized model test of the partition log (redpanda storage/opfuzz style): the real log
// and a plain in-memory model (segments of batches with their offsets, bytes, timestamps,
// and the log start offset) go through the same random appends (some invalid), reads,
// size and time rolls, truncations, retention, log start moves, and clean and unclean
// reopens, and must agree on every answer. SLUICE_SEED=<n> replays one seed; every
// failure prints the seed and the op index; SLUICE_MODEL_VERBOSE=1 prints every op.

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <random>
#include <string>

#include "sluice/storage/log.h"
#include "unit/storage/log_test_util.h"

namespace sluice::storage::testing {
namespace {

struct model_batch {
    int64_t base = 0, last = 0, max_ts = -1;
    std::vector<uint8_t> bytes;  // as stored: baseOffset patched
    std::vector<int64_t> ts;     // record timestamps in offset order
};

struct model_segment {
    int64_t base = 0;
    int64_t rolling_base_ms = -1;
    std::vector<model_batch> batches;
    bool base_is_batch_ts = false;  // Kafka: rolls by batch time once a timestamp is known
    int64_t end() const { return batches.empty() ? base : batches.back().last + 1; }
    uint64_t bytes() const {
        uint64_t n = 0;
        for (const auto& b : batches) n += b.bytes.size();
        return n;
    }
    /// (max timestamp, last offset of the first batch reaching it), ts -1 when empty.
    std::pair<int64_t, int64_t> max_ts() const {
        std::pair<int64_t, int64_t> best{-1, -1};
        for (const auto& b : batches) {
            if (b.max_ts > best.first) best = {b.max_ts, b.last};
        }
        return best;
    }
};

struct expected_slice {
    bool has_file = false;
    uint64_t position = 0;
    std::vector<uint8_t> bytes;
    int64_t first = 0, next = 0;
};

/// What the log should be, written the plainest way: log.h's contract, nothing shared.
struct log_model {
    std::vector<model_segment> segs{model_segment{}};
    int64_t lso = 0;

    int64_t end() const { return segs.back().end(); }
    uint64_t bytes() const {
        uint64_t n = 0;
        for (const auto& s : segs) n += s.bytes();
        return n;
    }
    void append(model_batch b, int64_t now_ms, const log_config& cfg) {
        const model_segment& a = segs.back();
        const int64_t waited =
            a.base_is_batch_ts ? b.max_ts - a.rolling_base_ms : now_ms - a.rolling_base_ms;
        bool roll = !a.batches.empty() &&
                    (a.bytes() + b.bytes.size() > cfg.segment_bytes || waited > cfg.segment_ms);
        if (roll) segs.push_back(model_segment{end(), now_ms, {}});
        model_segment& s = segs.back();
        if (s.batches.empty() && b.max_ts >= 0) {
            s.rolling_base_ms = b.max_ts;
            s.base_is_batch_ts = true;
        }
        s.batches.push_back(std::move(b));
    }
    void truncate_to(int64_t offset) {
        if (offset >= end()) return;
        if (offset < segs.front().base) {
            segs = {model_segment{offset, 0, {}}};
            lso = offset;
            return;
        }
        while (segs.size() > 1 && segs.back().base >= offset) segs.pop_back();
        auto& bs = segs.back().batches;
        while (!bs.empty() && bs.back().last >= offset) bs.pop_back();
        lso = std::min(lso, end());
    }
    size_t apply_retention(int64_t now_ms, const log_config& cfg) {
        size_t deleted = 0;
        uint64_t total = bytes();
        while (segs.size() > 1) {
            const model_segment& s = segs.front();
            bool below_start = s.end() <= lso;
            bool expired = cfg.retention_ms >= 0 && now_ms - s.max_ts().first > cfg.retention_ms;
            bool over = cfg.retention_bytes >= 0 &&
                        total - s.bytes() >= static_cast<uint64_t>(cfg.retention_bytes);
            if (!below_start && !expired && !over) break;
            total -= s.bytes();
            segs.erase(segs.begin());
            lso = std::max(lso, segs.front().base);
            ++deleted;
        }
        return deleted;
    }
    /// log::read over the batches ending at or below `visible_end` (the written end).
    result<expected_slice> read(int64_t start, int64_t max_offset, size_t max_bytes,
                                int64_t visible_end) const {
        if (start < lso || start > end()) return fail(errc::offset_out_of_range);
        expected_slice s;
        s.first = s.next = start;
        if (start >= max_offset) return s;
        size_t i = 0;
        while (i + 1 < segs.size() && segs[i + 1].base <= start) ++i;
        for (; i < segs.size(); ++i) {
            const auto& bs = segs[i].batches;
            size_t j = 0;
            uint64_t pos = 0;
            for (; j < bs.size() && bs[j].last < start; ++j) pos += bs[j].bytes.size();
            if (j == bs.size() || bs[j].last >= visible_end) continue;
            if (bs[j].last >= max_offset) return s;
            s = {true, pos, bs[j].bytes, bs[j].base, bs[j].last + 1};
            for (++j; j < bs.size(); ++j) {
                if (bs[j].last >= visible_end || bs[j].last >= max_offset ||
                    s.bytes.size() + bs[j].bytes.size() > max_bytes) {
                    break;
                }
                s.bytes.insert(s.bytes.end(), bs[j].bytes.begin(), bs[j].bytes.end());
                s.next = bs[j].last + 1;
            }
            return s;
        }
        return s;
    }
    std::optional<int64_t> offset_for_timestamp(int64_t ts) const {
        for (const auto& s : segs) {
            for (const auto& b : s.batches) {
                for (size_t r = 0; r < b.ts.size(); ++r) {
                    if (b.ts[r] >= ts) return std::max(b.base + static_cast<int64_t>(r), lso);
                }
            }
        }
        return std::nullopt;
    }
    std::optional<std::pair<int64_t, int64_t>> max_timestamp() const {
        std::optional<std::pair<int64_t, int64_t>> best;
        for (const auto& s : segs) {
            auto m = s.max_ts();
            if (m.first >= 0 && (!best || m.first > best->first)) best = m;
        }
        return best;
    }
    /// After any reopen the active segment rolls by its first batch's max timestamp
    /// (segment.h: Kafka's LogSegment.rollingBasedTimestamp).
    void on_reopen() {
        auto& a = segs.back();
        if (!a.batches.empty()) {
            a.rolling_base_ms = a.batches.front().max_ts;
            a.base_is_batch_ts = a.rolling_base_ms >= 0;
        }
    }
};

class log_model_test : public log_test {
  protected:
    void SetUp() override {
        log_test::SetUp();
        if (IsSkipped() || HasFailure()) return;
        // The model checks logic, not durability: on tmpfs the many fsyncs of rolls and
        // reopens cost nothing, which keeps hundreds of operations within a few seconds.
        char tmpl[] = "/dev/shm/sluice-model-XXXXXX";
        if (mkdtemp(tmpl) == nullptr) return;  // no tmpfs here: stay in /tmp
        std::filesystem::remove_all(_root);
        _root = tmpl;
        _dir = _root / "topic-0";
        _on_tmpfs = true;
    }
    int64_t uni(int64_t lo, int64_t hi) {
        return std::uniform_int_distribution<int64_t>(lo, hi)(_rng);
    }
    bool chance(int percent) { return uni(0, 99) < percent; }

    /// A random valid batch (base offset 0), with its record timestamps.
    model_batch random_batch() {
        model_batch m;
        const int n = static_cast<int>(uni(1, 8));
        int64_t base_ts = now_ms + uni(-2000, 500);
        if (chance(10)) base_ts = now_ms - uni(0, 200'000);
        record_batch_builder b(0, base_ts);
        for (int i = 0; i < n; ++i) {
            std::vector<uint8_t> value(
                static_cast<size_t>(chance(5) ? uni(200, 1500) : uni(0, 200)));
            for (auto& c : value) c = static_cast<uint8_t>(uni(0, 255));
            const int64_t ts = i == 0 ? base_ts : base_ts + uni(-300, 300);
            std::string key = "k" + std::to_string(uni(0, 1000));
            b.add(chance(20) ? std::nullopt
                             : std::optional<std::span<const uint8_t>>(
                                   {reinterpret_cast<const uint8_t*>(key.data()), key.size()}),
                  std::span<const uint8_t>(value), ts);
            m.ts.push_back(ts);
            m.max_ts = i == 0 ? ts : std::max(m.max_ts, ts);
        }
        m.bytes = b.build();
        m.last = n - 1;
        return m;
    }

    /// One loop turn of appends, some invalid; leaves the writes queued.
    void append_turn() {
        const int64_t before_written = _log->written_end_offset();
        for (int64_t k = uni(1, 6); k > 0; --k) {
            model_batch m = random_batch();
            std::vector<uint8_t>& buf = _buffers.emplace_back(m.bytes);
            std::optional<errc> bad;
            switch (chance(12) ? uni(0, 4) : -1) {
                case 0:
                    buf[static_cast<size_t>(uni(batch_field::attributes, buf.size() - 1))] ^=
                        1 << uni(0, 7);
                    bad = errc::crc_mismatch;
                    break;
                case 1:
                    buf[batch_field::magic] = 1;
                    bad = errc::unsupported_magic;
                    break;
                case 2:
                    buf.pop_back();
                    bad = errc::batch_length_mismatch;
                    break;
                case 3:
                    buf.resize(static_cast<size_t>(uni(0, batch_header_bytes - 1)));
                    bad = errc::batch_too_short;
                    break;
                case 4:
                    buf = make_test_batch(2, _cfg.max_message_bytes, now_ms, 7);
                    bad = errc::batch_too_large;
                    break;
                default:
                    break;
            }
            const int64_t end = _model.end();
            auto r = _log->append(buf, bad ? nullptr : &_waiters.emplace_back(), now_ms);
            if (bad) {
                ASSERT_FALSE(r);
                EXPECT_EQ(r.error(), *bad);
                ASSERT_EQ(_log->log_end_offset(), end);
                ASSERT_EQ(_log->size_bytes(), _model.bytes());
                continue;
            }
            ASSERT_TRUE(r) << describe(r.error());
            EXPECT_EQ(r->base_offset, end);
            EXPECT_EQ(r->last_offset, end + m.last);
            m.base = end;
            m.last += end;
            m.bytes = buf;  // patched in place
            EXPECT_EQ(record_batch_view(buf).base_offset(), end);
            _model.append(std::move(m), now_ms, _cfg);
            if (std::getenv("SLUICE_MODEL_VERBOSE")) {
                std::printf(
                    "  append %lld..%lld size=%zu maxts=%lld segs log=%zu model=%zu "
                    "active bytes=%llu\n",
                    static_cast<long long>(_model.segs.back().batches.back().base),
                    static_cast<long long>(_model.segs.back().batches.back().last),
                    _model.segs.back().batches.back().bytes.size(),
                    static_cast<long long>(_model.segs.back().batches.back().max_ts),
                    _log->segment_count(), _model.segs.size(),
                    static_cast<unsigned long long>(_model.segs.back().bytes()));
            }
            ASSERT_EQ(_log->log_end_offset(), _model.end());
        }
        // Nothing reaches the file before the loop turn ends.
        EXPECT_EQ(_log->written_end_offset(), before_written);
        EXPECT_EQ(_log->segment_count(), _model.segs.size());
    }

    void settle() {
        drain();
        for (const auto& w : _waiters) {
            EXPECT_EQ(w.written, 1);
            EXPECT_EQ(w.durable, 1);
            EXPECT_FALSE(w.error);
        }
        _waiters.clear();
        _buffers.clear();
        ASSERT_TRUE(_log->idle());
        ASSERT_EQ(_log->durable_end_offset(), _model.end());
    }

    /// One read on both sides; returns the model's answer.
    std::optional<expected_slice> check_read(int64_t start, int64_t max_offset, size_t max_bytes) {
        SCOPED_TRACE("read(" + std::to_string(start) + ", " + std::to_string(max_offset) + ", " +
                     std::to_string(max_bytes) + ")");
        auto want = _model.read(start, max_offset, max_bytes, _log->written_end_offset());
        auto got = _log->read(start, max_offset, max_bytes);
        EXPECT_EQ(static_cast<bool>(got), static_cast<bool>(want));
        if (!want || !got) {
            if (!want && !got) {
                EXPECT_EQ(got.error(), want.error());
            }
            return std::nullopt;
        }
        EXPECT_EQ(got->file != nullptr, want->has_file);
        EXPECT_EQ(got->first_offset, want->first);
        EXPECT_EQ(got->next_offset, want->next);
        EXPECT_EQ(got->bytes, want->bytes.size());
        if (got->file && want->has_file) {
            EXPECT_EQ(got->position, want->position);
            std::vector<uint8_t> bytes(got->bytes);
            EXPECT_EQ(::pread(got->file->fd.get(), bytes.data(), bytes.size(),
                              static_cast<off_t>(got->position)),
                      static_cast<ssize_t>(bytes.size()));
            EXPECT_TRUE(bytes == want->bytes) << "slice bytes differ";
        }
        return want.value();
    }

    std::vector<int64_t> dir_bases() const {
        std::vector<int64_t> bases;
        for (const auto& e : std::filesystem::directory_iterator(_dir)) {
            if (e.path().extension() == ".log") bases.push_back(std::stoll(e.path().stem()));
        }
        std::sort(bases.begin(), bases.end());
        return bases;
    }

    /// The whole log against the model (after settle()).
    void check_all() {
        ASSERT_EQ(_log->log_start_offset(), _model.lso);
        ASSERT_EQ(_log->log_end_offset(), _model.end());
        EXPECT_EQ(_log->written_end_offset(), _model.end());
        EXPECT_EQ(_log->durable_end_offset(), _model.end());
        ASSERT_EQ(_log->segment_count(), _model.segs.size());
        std::vector<int64_t> bases;
        for (const auto& s : _model.segs) bases.push_back(s.base);
        EXPECT_EQ(dir_bases(), bases);
        EXPECT_EQ(_log->size_bytes(), _model.bytes());
        EXPECT_EQ(_log->max_timestamp(), _model.max_timestamp());
        int64_t next = _model.lso;
        while (next < _model.end() && !HasFailure()) {
            auto s = check_read(next, _model.end(), static_cast<size_t>(uni(1, 20000)));
            if (!s || !s->has_file || s->next <= next) break;
            next = s->next;
        }
        EXPECT_EQ(next, _model.end());
        for (int i = 0; i < 3; ++i) check_timestamp();
    }

    void check_timestamp() {
        const int64_t ts = chance(10) ? uni(0, INT64_MAX / 2) : now_ms + uni(-250'000, 3000);
        EXPECT_EQ(_log->offset_for_timestamp(ts), _model.offset_for_timestamp(ts)) << "ts=" << ts;
    }

    void reopen_and_check(bool clean) {
        settle();
        if (HasFailure()) return;
        recovery_state rs{clean, _model.end(), _model.lso};
        if (!clean) {
            rs.recovery_point = uni(0, _log->durable_end_offset());
            drain();
            _log.reset();  // no close(): the active segment keeps unsealed indexes
        }
        reopen(_cfg, rs);
        if (HasFailure()) return;
        _model.on_reopen();
        EXPECT_EQ(_log->counters().torn_bytes, 0u);
        check_all();
    }

    void step(int op) {
        if (std::getenv("SLUICE_MODEL_VERBOSE")) {
            std::printf("op %d: now=%lld segs=%zu end=%lld active.rb=%lld\n", op,
                        static_cast<long long>(now_ms), _model.segs.size(),
                        static_cast<long long>(_model.end()),
                        static_cast<long long>(_model.segs.back().rolling_base_ms));
        }
        if (op < 40) {
            append_turn();
            if (chance(30)) _reactor->run_once(false);  // writes in flight across turns
            if (chance(50)) return;
        }
        if (op >= 40 && op < 60) {
            for (int i = 0; i < 4; ++i) {
                int64_t start = uni(_model.lso - 2, _model.end() + 2);
                check_read(start, uni(start - 1, _model.end() + 3),
                           static_cast<size_t>(uni(1, 8000)));
            }
            return;
        }
        settle();
        if (HasFailure()) return;
        if (op < 60) return;
        if (op < 68) {
            now_ms += uni(0, _cfg.segment_ms * 3 / 2);
        } else if (op < 72) {
            check_timestamp();
        } else if (op < 78) {
            int64_t offset =
                uni(std::max<int64_t>(0, _model.segs.front().base - 3), _model.end() + 2);
            ASSERT_TRUE(_log->truncate_to(offset));
            _model.truncate_to(offset);
            check_all();
        } else if (op < 84) {
            _cfg.retention_ms = chance(30) ? -1 : uni(1000, 300'000);
            _cfg.retention_bytes = chance(30) ? -1 : uni(0, 40'000);
            _log->set_config(_cfg);
            auto n = _log->apply_retention(now_ms);
            ASSERT_TRUE(n);
            EXPECT_EQ(n.value(), _model.apply_retention(now_ms, _cfg));
            check_all();
        } else if (op < 89) {
            int64_t offset = uni(_model.lso - 2, _model.end() + 2);
            auto r = _log->advance_log_start_offset(offset);
            if (offset > _model.end()) {
                EXPECT_EQ(r.error(), errc::offset_out_of_range);
            } else {
                EXPECT_TRUE(r);
                _model.lso = std::max(_model.lso, offset);
            }
            EXPECT_EQ(_log->log_start_offset(), _model.lso);
        } else if (op < 94) {
            reopen_and_check(true);
        } else {
            reopen_and_check(false);
        }
    }

    void run_seed(uint64_t seed, int ops) {
        SCOPED_TRACE("seed=" + std::to_string(seed) +
                     " (replay: SLUICE_SEED=" + std::to_string(seed) + ")");
        _rng.seed(seed);
        _log.reset();
        std::filesystem::remove_all(_dir);
        _model = log_model{};
        _cfg = log_config{};
        _cfg.segment_bytes = static_cast<uint64_t>(std::vector<int>{1024, 4096, 16384}[uni(0, 2)]);
        _cfg.segment_ms = std::vector<int64_t>{1000, 5000, 60'000}[uni(0, 2)];
        _cfg.index_interval_bytes =
            static_cast<size_t>(std::vector<int>{0, 100, 1024, 4096}[uni(0, 3)]);
        _cfg.segment_index_bytes = 8192;  // never full: at most ~250 batches per segment
        _cfg.max_message_bytes = 16384;
        _cfg.direct_io = chance(50);  // log.write.mode: O_DIRECT from staging, or buffered
        reopen(_cfg, {});
        ASSERT_FALSE(HasFailure());
        for (int i = 0; i < ops && !HasFailure(); ++i) {
            SCOPED_TRACE("op index " + std::to_string(i));
            step(static_cast<int>(uni(0, 99)));
        }
        if (!HasFailure()) reopen_and_check(chance(50));
    }

    std::mt19937_64 _rng;
    log_model _model;
    log_config _cfg;
    std::deque<std::vector<uint8_t>> _buffers;  // appended bytes, alive until written
    std::deque<recording_waiter> _waiters;
    bool _on_tmpfs = false;
};

TEST_F(log_model_test, log_matches_model_through_random_operations) {
    if (const char* s = std::getenv("SLUICE_SEED")) {
        run_seed(std::strtoull(s, nullptr, 10), 400);
        return;
    }
    // About 0.1 s a seed on tmpfs in a Debug build; on a disk every roll costs fsyncs.
    const int seeds = _on_tmpfs ? 8 : 2;
    std::random_device rd;
    for (int i = 0; i < seeds && !HasFailure(); ++i) {
        run_seed((static_cast<uint64_t>(rd()) << 32) | rd(), 300);
    }
}

}  // namespace
}  // namespace sluice::storage::testing
