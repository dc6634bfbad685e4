#include "sluice/storage/offset_checkpoint.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

using namespace sluice::storage;
namespace fs = std::filesystem;

class offset_checkpoint_test : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/sluice-checkpoint-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        _dir = tmpl;
        _path = _dir / "recovery-point-offset-checkpoint";
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(_dir, ec);
    }
    void write_raw(const fs::path& p, const std::string& s) {
        std::ofstream(p, std::ios::binary | std::ios::trunc) << s;
    }
    std::string read_raw(const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    void expect_malformed(const std::string& text) {
        write_raw(_path, text);
        auto r = read_offset_checkpoint(_path);
        ASSERT_FALSE(r) << "accepted: \"" << text << "\"";
        EXPECT_EQ(r.error(), errc::corrupt_index) << text;
    }

    fs::path _dir;
    fs::path _path;
};

TEST_F(offset_checkpoint_test, exact_text_format) {
    offset_checkpoint_map m{{{"orders", 1}, 42}, {{"orders", 0}, 7}, {{"a.b_c-d", 12}, 0}};
    ASSERT_TRUE(write_offset_checkpoint(_path, m));
    EXPECT_EQ(read_raw(_path), "0\n3\na.b_c-d 12 0\norders 0 7\norders 1 42\n");
    EXPECT_FALSE(fs::exists(_dir / "recovery-point-offset-checkpoint.tmp"));
}

TEST_F(offset_checkpoint_test, round_trip_many_topics) {
    offset_checkpoint_map m;
    for (int t = 0; t < 300; ++t) {
        std::string topic = "topic." + std::to_string(t) + (t % 2 ? "_x" : "-y");
        for (int32_t p = 0; p < 4; ++p) m[{topic, p}] = int64_t{t} * 1'000'000'007LL + p;
    }
    m[{"__consumer_offsets", 49}] = INT64_MAX;
    m[{"log-start", 0}] = -1;
    ASSERT_TRUE(write_offset_checkpoint(_path, m));
    auto r = read_offset_checkpoint(_path);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, m);
}

TEST_F(offset_checkpoint_test, empty_map_round_trip) {
    ASSERT_TRUE(write_offset_checkpoint(_path, {}));
    EXPECT_EQ(read_raw(_path), "0\n0\n");
    auto r = read_offset_checkpoint(_path);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->empty());
}

TEST_F(offset_checkpoint_test, missing_file_is_empty_map) {
    auto r = read_offset_checkpoint(_dir / "replication-offset-checkpoint");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->empty());
}

TEST_F(offset_checkpoint_test, last_newline_is_optional) {
    write_raw(_path, "0\n1\nt 3 9");
    auto r = read_offset_checkpoint(_path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->at({"t", 3}), 9);
}

TEST_F(offset_checkpoint_test, overwrite_replaces_previous_map) {
    ASSERT_TRUE(write_offset_checkpoint(_path, {{{"a", 0}, 1}, {{"b", 0}, 2}}));
    ASSERT_TRUE(write_offset_checkpoint(_path, {{{"a", 0}, 5}}));
    offset_checkpoint_map want{{{"a", 0}, 5}};
    EXPECT_EQ(read_offset_checkpoint(_path).value(), want);
}

// A crash between writing the .tmp and the rename leaves it behind: the checkpoint still
// reads as the old map, and the next write replaces the stale .tmp.
TEST_F(offset_checkpoint_test, stale_tmp_is_ignored) {
    offset_checkpoint_map old_map{{{"t", 0}, 100}};
    ASSERT_TRUE(write_offset_checkpoint(_path, old_map));
    auto tmp = _path;
    tmp += ".tmp";
    write_raw(tmp, "0\n2\nt 0 200\nt 1 ");  // torn
    EXPECT_EQ(read_offset_checkpoint(_path).value(), old_map);
    offset_checkpoint_map new_map{{{"t", 0}, 300}};
    ASSERT_TRUE(write_offset_checkpoint(_path, new_map));
    EXPECT_EQ(read_offset_checkpoint(_path).value(), new_map);
    EXPECT_FALSE(fs::exists(tmp));
}

TEST_F(offset_checkpoint_test, wrong_version_rejected) {
    expect_malformed("1\n0\n");
    expect_malformed("00\n0\n");
    expect_malformed(" 0\n0\n");
}

TEST_F(offset_checkpoint_test, missing_header_lines_rejected) {
    expect_malformed("");
    expect_malformed("0\n");
    expect_malformed("\n");
}

TEST_F(offset_checkpoint_test, bad_count_rejected) {
    expect_malformed("0\nx\n");
    expect_malformed("0\n-1\n");
    expect_malformed("0\n1x\nt 0 1\n");
    expect_malformed("0\n\nt 0 1\n");
}

TEST_F(offset_checkpoint_test, count_mismatch_rejected) {
    expect_malformed("0\n2\nt 0 1\n");         // a missing line
    expect_malformed("0\n1\nt 0 1\nt 1 2\n");  // an extra line
    expect_malformed("0\n1\nt 0 1\n\n");       // a trailing blank line
    expect_malformed("0\n0\nt 0 1\n");
}

TEST_F(offset_checkpoint_test, bad_entry_lines_rejected) {
    expect_malformed("0\n1\nt 0\n");                       // too few fields
    expect_malformed("0\n1\nt 0 1 2\n");                   // too many fields
    expect_malformed("0\n1\nt x 1\n");                     // partition not a number
    expect_malformed("0\n1\nt -1 1\n");                    // negative partition
    expect_malformed("0\n1\nt 2147483648 1\n");            // partition above int32
    expect_malformed("0\n1\nt 0 1x\n");                    // offset with trailing garbage
    expect_malformed("0\n1\nt 0 99999999999999999999\n");  // offset above int64
    expect_malformed("0\n1\nt  0 1\n");                    // double space
    expect_malformed("0\n1\n 0 1\n");                      // empty topic
    expect_malformed("0\n1\nmy topic 0 1\n");              // space inside a topic name
    expect_malformed("0\n1\nt\t0\t1\n");                   // tabs are not the separator
    expect_malformed("0\n1\nt/x 0 1\n");                   // illegal topic character
    expect_malformed("0\n1\nt 0 1\r\n");                   // CRLF
    expect_malformed("0\n2\nt 0 1\nt 0 2\n");              // the same partition twice
}

TEST_F(offset_checkpoint_test, illegal_topic_on_write_aborts) {
    EXPECT_DEATH((void)write_offset_checkpoint(_path, {{{"has space", 0}, 1}}),
                 "illegal topic name");
}

}  // namespace
