#include "sluice/storage/time_index.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "sluice/common/endian.h"

namespace {

using namespace sluice::storage;
namespace fs = std::filesystem;
using entry = time_index::index_entry;

constexpr int64_t base = 500;

class time_index_test : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/sluice-time-index-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        _dir = tmpl;
        _path = _dir / "00000000000000000500.timeindex";
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(_dir, ec);
    }
    time_index open(size_t max_bytes, bool writable) {
        auto r = time_index::open(_path, base, max_bytes, writable);
        EXPECT_TRUE(r);
        return std::move(r).value();
    }
    // Writes a time index file by hand from (timestamp, relative offset) pairs.
    void craft(const std::vector<std::pair<int64_t, uint32_t>>& entries, size_t extra = 0) {
        std::string s(entries.size() * 12 + extra, '\0');
        auto* p = reinterpret_cast<uint8_t*>(s.data());
        for (size_t i = 0; i < entries.size(); ++i) {
            sluice::common::store_be64(p + i * 12, static_cast<uint64_t>(entries[i].first));
            sluice::common::store_be32(p + i * 12 + 8, entries[i].second);
        }
        std::ofstream(_path, std::ios::binary | std::ios::trunc) << s;
    }

    fs::path _dir;
    fs::path _path;
};

TEST_F(time_index_test, kafka_default_size_gives_max_entries) {
    auto ix = open(10 * 1024 * 1024, true);
    EXPECT_EQ(ix.max_entries(), 873813u);
    EXPECT_EQ(fs::file_size(_path), 873813u * 12);
    EXPECT_EQ(ix.entries(), 0u);
    EXPECT_EQ(ix.lookup(1'700'000'000'000), (entry{-1, base}));
}

TEST_F(time_index_test, maybe_append_rejects_non_increasing_timestamps) {
    auto ix = open(1200, true);
    EXPECT_TRUE(ix.maybe_append(1000, base + 3));
    EXPECT_FALSE(ix.maybe_append(1000, base + 7));  // equal timestamp
    EXPECT_FALSE(ix.maybe_append(999, base + 8));   // older timestamp
    EXPECT_EQ(ix.entries(), 1u);
    EXPECT_TRUE(ix.maybe_append(1001, base + 3));  // same offset, larger timestamp: kept
    EXPECT_TRUE(ix.maybe_append(2000, base + 9));
    EXPECT_EQ(ix.entries(), 3u);
    EXPECT_EQ(ix.last(), (entry{2000, base + 9}));
}

TEST_F(time_index_test, offset_going_backwards_aborts) {
    auto ix = open(1200, true);
    ASSERT_TRUE(ix.maybe_append(1000, base + 10));
    EXPECT_DEATH(ix.maybe_append(2000, base + 9), "before last");
    EXPECT_DEATH(ix.maybe_append(2000, base - 1), "outside segment");
}

TEST_F(time_index_test, lookup_exact_between_before_and_after) {
    auto ix = open(1200, true);
    ASSERT_TRUE(ix.maybe_append(100, base + 1));
    ASSERT_TRUE(ix.maybe_append(200, base + 5));
    ASSERT_TRUE(ix.maybe_append(300, base + 9));
    EXPECT_EQ(ix.lookup(200), (entry{200, base + 5}));        // exact
    EXPECT_EQ(ix.lookup(250), (entry{200, base + 5}));        // between
    EXPECT_EQ(ix.lookup(99), (entry{-1, base}));              // before the first
    EXPECT_EQ(ix.lookup(100), (entry{100, base + 1}));        // first
    EXPECT_EQ(ix.lookup(1'000'000), (entry{300, base + 9}));  // after the last
}

TEST_F(time_index_test, bytes_on_disk_are_big_endian_relative) {
    auto ix = open(24, true);
    ASSERT_TRUE(ix.maybe_append(1'700'000'000'000, base + 42));  // 0x18BCFE56800
    ASSERT_TRUE(ix.flush());
    std::ifstream in(_path, std::ios::binary);
    std::vector<uint8_t> got((std::istreambuf_iterator<char>(in)), {});
    std::vector<uint8_t> want{0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,
                              0x00, 0x00, 0x00, 0x2a, 0,    0,    0,    0,
                              0,    0,    0,    0,    0,    0,    0,    0};
    EXPECT_EQ(got, want);
}

TEST_F(time_index_test, full_index_refuses_append) {
    auto ix = open(30, true);  // 2 entries
    ASSERT_TRUE(ix.maybe_append(1, base));
    ASSERT_TRUE(ix.maybe_append(2, base + 1));
    EXPECT_TRUE(ix.full());
    EXPECT_FALSE(ix.maybe_append(2, base + 1));  // not larger: ignored, no abort
    EXPECT_DEATH(ix.maybe_append(3, base + 2), "full index");
}

TEST_F(time_index_test, truncate_to_removes_entries_and_reopen_agrees) {
    {
        auto ix = open(1200, true);
        ASSERT_TRUE(ix.maybe_append(10, base + 1));
        ASSERT_TRUE(ix.maybe_append(20, base + 4));
        ASSERT_TRUE(ix.maybe_append(30, base + 4));
        ASSERT_TRUE(ix.maybe_append(40, base + 8));
        ix.truncate_to(base + 4);  // both entries at offset 4 go
        EXPECT_EQ(ix.entries(), 1u);
        EXPECT_EQ(ix.lookup(35), (entry{10, base + 1}));
        ASSERT_TRUE(ix.maybe_append(15, base + 2));  // smaller than the removed timestamps
    }
    auto ix = open(1200, true);
    EXPECT_EQ(ix.entries(), 2u);
    EXPECT_EQ(ix.last(), (entry{15, base + 2}));
    ix.truncate_to(base);
    EXPECT_EQ(ix.entries(), 0u);
}

TEST_F(time_index_test, trim_then_reopen_read_only) {
    {
        auto ix = open(1200, true);
        ASSERT_TRUE(ix.maybe_append(10, base + 1));
        ASSERT_TRUE(ix.maybe_append(20, base + 2));
        ASSERT_TRUE(ix.trim());
        EXPECT_FALSE(ix.writable());
    }
    EXPECT_EQ(fs::file_size(_path), 24u);
    auto ix = open(1200, false);
    EXPECT_EQ(ix.entries(), 2u);
    EXPECT_EQ(ix.lookup(15), (entry{10, base + 1}));
    EXPECT_TRUE(ix.sanity_check());
}

TEST_F(time_index_test, reopen_writable_recovers_count_from_zero_tail) {
    {
        auto ix = open(1200, true);
        ASSERT_TRUE(ix.maybe_append(0, base));  // entry 0 all zeros, still an entry
        ASSERT_TRUE(ix.maybe_append(7, base + 3));
        ASSERT_TRUE(ix.flush());
    }
    auto ix = open(1200, true);
    EXPECT_EQ(ix.entries(), 2u);
    EXPECT_EQ(ix.entry(0), (entry{0, base}));
    EXPECT_TRUE(ix.sanity_check());
}

// (0, base) after entry 0 would read as the zero tail on reopen, so it is never written.
TEST_F(time_index_test, all_zero_entry_after_the_first_is_skipped) {
    auto ix = open(1200, true);
    ASSERT_TRUE(ix.maybe_append(-5, base));
    EXPECT_FALSE(ix.maybe_append(0, base));
    EXPECT_TRUE(ix.maybe_append(1, base));
    EXPECT_EQ(ix.entries(), 2u);
}

TEST_F(time_index_test, sanity_check_catches_non_increasing_timestamps) {
    craft({{10, 1}, {20, 2}, {20, 3}});
    auto ix = open(0, false);
    auto r = ix.sanity_check();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::corrupt_index);
}

TEST_F(time_index_test, sanity_check_catches_offsets_going_backwards) {
    craft({{10, 5}, {20, 4}});
    auto ix = open(0, false);
    EXPECT_FALSE(ix.sanity_check());
}

TEST_F(time_index_test, sanity_check_catches_length_not_multiple_of_12) {
    craft({{10, 5}, {20, 6}}, 8);
    auto ix = open(0, false);
    EXPECT_EQ(ix.entries(), 2u);
    auto r = ix.sanity_check();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::corrupt_index);
}

TEST_F(time_index_test, remove_unlinks) {
    auto ix = open(120, true);
    ASSERT_TRUE(ix.maybe_append(1, base));
    ASSERT_TRUE(ix.remove());
    EXPECT_FALSE(fs::exists(_path));
}

}  // namespace
