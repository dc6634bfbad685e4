#include "sluice/storage/offset_index.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sluice/common/endian.h"

namespace {

using namespace sluice::storage;
namespace fs = std::filesystem;
using entry = offset_index::index_entry;

constexpr int64_t base = 1000;

class offset_index_test : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/sluice-offset-index-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        _dir = tmpl;
        _path = _dir / "00000000000000001000.index";
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(_dir, ec);
    }
    offset_index open(size_t max_bytes, bool writable) {
        auto r = offset_index::open(_path, base, max_bytes, writable);
        EXPECT_TRUE(r);
        return std::move(r).value();
    }
    // Writes an index file by hand from (relative offset, position) pairs.
    void craft(const std::vector<std::pair<uint32_t, uint32_t>>& entries, size_t extra = 0) {
        std::string s(entries.size() * 8 + extra, '\0');
        auto* p = reinterpret_cast<uint8_t*>(s.data());
        for (size_t i = 0; i < entries.size(); ++i) {
            sluice::common::store_be32(p + i * 8, entries[i].first);
            sluice::common::store_be32(p + i * 8 + 4, entries[i].second);
        }
        std::ofstream(_path, std::ios::binary | std::ios::trunc) << s;
    }

    fs::path _dir;
    fs::path _path;
};

TEST_F(offset_index_test, new_writable_index_is_preallocated_and_empty) {
    auto ix = open(100, true);  // rounded down to 96 bytes = 12 entries
    EXPECT_EQ(fs::file_size(_path), 96u);
    EXPECT_EQ(ix.entries(), 0u);
    EXPECT_EQ(ix.max_entries(), 12u);
    EXPECT_FALSE(ix.full());
    EXPECT_FALSE(ix.last());
    EXPECT_EQ(ix.lookup(5000), (entry{base, 0}));
}

TEST_F(offset_index_test, lookup_exact_between_before_and_after) {
    auto ix = open(4096, true);
    ix.append(base + 10, 100);
    ix.append(base + 20, 200);
    ix.append(base + 35, 350);
    ASSERT_EQ(ix.entries(), 3u);
    EXPECT_EQ(ix.lookup(base + 20), (entry{base + 20, 200}));     // exact
    EXPECT_EQ(ix.lookup(base + 27), (entry{base + 20, 200}));     // between
    EXPECT_EQ(ix.lookup(base + 9), (entry{base, 0}));             // before the first entry
    EXPECT_EQ(ix.lookup(base - 50), (entry{base, 0}));            // before the segment
    EXPECT_EQ(ix.lookup(base + 10), (entry{base + 10, 100}));     // first entry
    EXPECT_EQ(ix.lookup(base + 99999), (entry{base + 35, 350}));  // after the last
    EXPECT_EQ(ix.entry(1), (entry{base + 20, 200}));
    EXPECT_EQ(ix.last(), (entry{base + 35, 350}));
}

TEST_F(offset_index_test, lookup_many_entries_matches_linear_scan) {
    auto ix = open(8 * 1000, true);
    for (int i = 0; i < 1000; ++i) ix.append(base + 3 * i + 1, static_cast<uint32_t>(7 * i + 5));
    EXPECT_TRUE(ix.full());
    for (int64_t t = base - 2; t < base + 3010; ++t) {
        entry want{base, 0};
        for (size_t i = 0; i < ix.entries(); ++i) {
            if (ix.entry(i).offset <= t) want = ix.entry(i);
        }
        ASSERT_EQ(ix.lookup(t), want) << "target " << t;
    }
}

TEST_F(offset_index_test, bytes_on_disk_are_big_endian_relative) {
    auto ix = open(16, true);
    ix.append(base + 5, 4096);
    ix.append(base + 0x010203, 0x0a0b0c0d);
    ASSERT_TRUE(ix.flush());
    std::ifstream in(_path, std::ios::binary);
    std::vector<uint8_t> got((std::istreambuf_iterator<char>(in)), {});
    std::vector<uint8_t> want{0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x10, 0x00,
                              0x00, 0x01, 0x02, 0x03, 0x0a, 0x0b, 0x0c, 0x0d};
    EXPECT_EQ(got, want);
}

TEST_F(offset_index_test, full_index_refuses_append) {
    auto ix = open(16, true);
    ix.append(base + 1, 10);
    EXPECT_FALSE(ix.full());
    ix.append(base + 2, 20);
    EXPECT_TRUE(ix.full());
    EXPECT_DEATH(ix.append(base + 3, 30), "full index");
}

TEST_F(offset_index_test, non_increasing_append_aborts) {
    auto ix = open(64, true);
    ix.append(base + 5, 50);
    EXPECT_DEATH(ix.append(base + 5, 60), "does not follow");
    EXPECT_DEATH(ix.append(base + 6, 50), "does not follow");
    EXPECT_DEATH(ix.append(base - 1, 70), "outside segment");
}

TEST_F(offset_index_test, truncate_to_removes_entries_and_reopen_agrees) {
    {
        auto ix = open(64, true);
        for (int i = 1; i <= 5; ++i) ix.append(base + 10 * i, static_cast<uint32_t>(100 * i));
        ix.truncate_to(base + 35);  // keeps 10, 20, 30
        EXPECT_EQ(ix.entries(), 3u);
        EXPECT_EQ(ix.last(), (entry{base + 30, 300}));
        ix.truncate_to(base + 30);  // keeps 10, 20: the entry at exactly offset goes
        EXPECT_EQ(ix.entries(), 2u);
        ix.truncate_to(base + 1000);  // nothing above: no change
        EXPECT_EQ(ix.entries(), 2u);
        ix.append(base + 25, 250);  // appending after a truncation works
        EXPECT_EQ(ix.lookup(base + 29), (entry{base + 25, 250}));
    }
    auto ix = open(64, true);
    EXPECT_EQ(ix.entries(), 3u);
    EXPECT_EQ(ix.last(), (entry{base + 25, 250}));
    ix.truncate_to(base - 100);
    EXPECT_EQ(ix.entries(), 0u);
    EXPECT_EQ(ix.lookup(base + 25), (entry{base, 0}));
}

TEST_F(offset_index_test, trim_then_reopen_read_only) {
    {
        auto ix = open(1024, true);
        ix.append(base + 1, 10);
        ix.append(base + 2, 20);
        ix.append(base + 3, 30);
        ASSERT_TRUE(ix.trim());
        EXPECT_FALSE(ix.writable());
        EXPECT_EQ(fs::file_size(_path), 24u);
        EXPECT_EQ(ix.lookup(base + 2), (entry{base + 2, 20}));  // still readable
    }
    auto ix = open(1024, false);
    EXPECT_FALSE(ix.writable());
    EXPECT_EQ(ix.entries(), 3u);
    EXPECT_TRUE(ix.full());
    EXPECT_EQ(ix.lookup(base + 7), (entry{base + 3, 30}));
    EXPECT_TRUE(ix.sanity_check(31));
    EXPECT_TRUE(ix.trim());  // no-op on a read-only index
    EXPECT_EQ(fs::file_size(_path), 24u);
}

TEST_F(offset_index_test, trim_of_empty_index_leaves_empty_file) {
    {
        auto ix = open(1024, true);
        ASSERT_TRUE(ix.trim());
    }
    EXPECT_EQ(fs::file_size(_path), 0u);
    auto ix = open(1024, false);
    EXPECT_EQ(ix.entries(), 0u);
    EXPECT_EQ(ix.lookup(base + 3), (entry{base, 0}));
    EXPECT_TRUE(ix.sanity_check(0));
}

// An unclean stop leaves the active segment's index at its preallocated length: the
// reopen must count the entries before the zero tail.
TEST_F(offset_index_test, reopen_writable_recovers_count_from_zero_tail) {
    {
        auto ix = open(800, true);
        ix.append(base, 0);  // entry 0 may legitimately be all zeros
        ix.append(base + 4, 4100);
        ix.append(base + 9, 8300);
        ASSERT_TRUE(ix.flush());
    }
    EXPECT_EQ(fs::file_size(_path), 800u);
    auto ix = open(800, true);
    EXPECT_EQ(ix.entries(), 3u);
    EXPECT_EQ(ix.entry(0), (entry{base, 0}));
    EXPECT_EQ(ix.last(), (entry{base + 9, 8300}));
    EXPECT_TRUE(ix.sanity_check(9000));
    ix.append(base + 12, 9000);
    EXPECT_EQ(ix.entries(), 4u);
}

TEST_F(offset_index_test, reopen_writable_after_trim_grows_back) {
    {
        auto ix = open(64, true);
        ix.append(base + 1, 10);
        ASSERT_TRUE(ix.trim());
    }
    auto ix = open(64, true);  // e.g. the log truncates into this rolled segment
    EXPECT_EQ(ix.entries(), 1u);
    EXPECT_EQ(ix.max_entries(), 8u);
    EXPECT_EQ(fs::file_size(_path), 64u);
}

TEST_F(offset_index_test, reopen_with_smaller_max_keeps_entries) {
    {
        auto ix = open(64, true);
        for (int i = 1; i <= 6; ++i) ix.append(base + i, static_cast<uint32_t>(i * 10));
    }
    auto ix = open(16, true);
    EXPECT_EQ(ix.entries(), 6u);
    EXPECT_TRUE(ix.full());
}

TEST_F(offset_index_test, sanity_check_catches_non_increasing_offsets) {
    craft({{1, 10}, {5, 50}, {5, 60}});
    auto ix = open(0, false);
    ASSERT_EQ(ix.entries(), 3u);
    auto r = ix.sanity_check(1000);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::corrupt_index);
}

TEST_F(offset_index_test, sanity_check_catches_non_increasing_positions) {
    craft({{1, 10}, {5, 50}, {6, 40}});
    auto ix = open(0, false);
    EXPECT_FALSE(ix.sanity_check(1000));
}

TEST_F(offset_index_test, sanity_check_catches_position_past_log_end) {
    craft({{1, 10}, {5, 50}});
    auto ix = open(0, false);
    EXPECT_TRUE(ix.sanity_check(51));
    EXPECT_FALSE(ix.sanity_check(50));
}

TEST_F(offset_index_test, sanity_check_catches_untrimmed_zero_tail_opened_read_only) {
    craft({{1, 10}, {5, 50}}, 16);  // a crash before trim, then opened as a rolled segment
    auto ix = open(0, false);
    EXPECT_EQ(ix.entries(), 4u);
    EXPECT_FALSE(ix.sanity_check(1000));
}

TEST_F(offset_index_test, sanity_check_catches_length_not_multiple_of_8) {
    craft({{1, 10}, {5, 50}}, 3);
    {
        auto ix = open(0, false);
        EXPECT_EQ(ix.entries(), 2u);
        auto r = ix.sanity_check(1000);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error(), errc::corrupt_index);
    }
    auto ix = open(64, true);  // the writable open re-sizes, but judges the file as found
    EXPECT_FALSE(ix.sanity_check(1000));
}

TEST_F(offset_index_test, open_missing_read_only_is_not_found) {
    auto r = offset_index::open(_path, base, 64, false);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::not_found);
}

TEST_F(offset_index_test, remove_unlinks_and_move_keeps_mapping) {
    auto a = open(64, true);
    a.append(base + 1, 10);
    offset_index b = std::move(a);
    EXPECT_EQ(b.lookup(base + 1), (entry{base + 1, 10}));
    ASSERT_TRUE(b.remove());
    EXPECT_FALSE(fs::exists(_path));
    EXPECT_EQ(b.entries(), 0u);
}

}  // namespace
