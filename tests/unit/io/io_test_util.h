#pragma once
// Shared fixtures for the io tests: a reactor on the test thread (or SKIPPED with the
// reason when io_uring is unavailable here) and a scratch directory.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "sluice/io/reactor.h"

namespace sluice::io::testing {

class reactor_test : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string why;
        auto r = reactor::create(reactor_config{}, &why);
        if (!r) GTEST_SKIP() << "io_uring unavailable: " << why;
        _reactor = std::move(r).value();
        char tmpl[] = "/tmp/sluice-io-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        _dir = tmpl;
    }
    void TearDown() override {
        if (_reactor) {
            _reactor->stop();
            _reactor->run();
        }
        _reactor.reset();
        if (!_dir.empty()) std::filesystem::remove_all(_dir);
    }
    /// Turn the loop until pred() holds (bounded, so a bug fails instead of hanging).
    template <class P>
    bool run_until(P pred, int turns_max = 1000000) {
        for (int i = 0; i < turns_max && !pred(); ++i) _reactor->run_once(true);
        return pred();
    }

    std::unique_ptr<reactor> _reactor;
    std::filesystem::path _dir;
};

/// Records the result of one operation.
struct result_sink final : completion {
    int32_t res = 0;
    uint32_t flags = 0;
    int calls = 0;
    void complete(int32_t r, uint32_t f) override {
        res = r;
        flags = f;
        ++calls;
    }
};

}  // namespace sluice::io::testing
