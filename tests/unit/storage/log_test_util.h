#pragma once
// Fixtures shared by the log tests: a reactor (or SKIPPED when io_uring is unavailable),
// a scratch directory, a waiter that records what it was told, and a reader of slices.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sluice/io/reactor.h"
#include "sluice/storage/log.h"
#include "sluice/storage/record_batch_builder.h"

namespace sluice::storage::testing {

struct recording_waiter final : append_waiter {
    int written = 0, durable = 0;
    std::optional<errc> error;
    void on_written(result<void> r) override {
        ++written;
        if (!r) error = r.error();
    }
    void on_durable(result<void> r) override {
        ++durable;
        if (!r) error = r.error();
    }
};

class log_test : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string why;
        auto r = io::reactor::create(io::reactor_config{}, &why);
        if (!r) GTEST_SKIP() << "io_uring unavailable: " << why;
        _reactor = std::move(r).value();
        char tmpl[] = "/tmp/sluice-log-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        _root = tmpl;
        _dir = _root / "topic-0";
    }
    void TearDown() override {
        if (_reactor) drain();
        _log.reset();
        _reactor.reset();
        if (!_root.empty()) std::filesystem::remove_all(_root);
    }
    void drain() {
        for (int i = 0; i < 1000000 && _reactor->in_flight() + (_log && !_log->idle()) > 0; ++i) {
            _reactor->run_once(true);
        }
    }
    result<std::unique_ptr<log>> open_log(const log_config& cfg, recovery_state rs = {}) {
        return log::open(*_reactor, _dir, cfg, rs, now_ms);
    }
    void reopen(const log_config& cfg, recovery_state rs) {
        drain();
        if (_log && rs.clean_shutdown) {
            ASSERT_TRUE(_log->close());
        }
        _log.reset();
        auto l = open_log(cfg, rs);
        ASSERT_TRUE(l) << describe(l.error());
        _log = std::move(l).value();
    }
    /// Read every batch in [from, max) by repeated reads; returns the concatenated bytes.
    std::vector<uint8_t> read_all(int64_t from, int64_t max, size_t max_bytes = 1 << 20) {
        std::vector<uint8_t> out;
        int64_t next = from;
        while (next < max) {
            auto s = _log->read(next, max, max_bytes);
            EXPECT_TRUE(s);
            if (!s || !s->file) break;
            size_t at = out.size();
            out.resize(at + s->bytes);
            EXPECT_EQ(::pread(s->file->fd.get(), out.data() + at, s->bytes,
                              static_cast<off_t>(s->position)),
                      static_cast<ssize_t>(s->bytes));
            next = s->next_offset;
        }
        return out;
    }

    int64_t now_ms = 1'700'000'000'000;
    std::unique_ptr<io::reactor> _reactor;
    std::unique_ptr<log> _log;
    std::filesystem::path _root, _dir;
};

}  // namespace sluice::storage::testing
