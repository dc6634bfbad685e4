#include "sluice/storage/file_util.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

using namespace sluice::storage;
namespace fs = std::filesystem;

// A fresh directory per test, so tests never see each other's files.
class file_util_test : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/sluice-file-util-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        _dir = tmpl;
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(_dir, ec);
    }
    void write_raw(const fs::path& p, const std::string& s) {
        std::ofstream(p, std::ios::binary | std::ios::trunc) << s;
    }
    std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

    fs::path _dir;
};

bool fd_open(int fd) {
    return ::fcntl(fd, F_GETFD) != -1;
}

TEST_F(file_util_test, unique_fd_closes_on_destruction_and_moves) {
    int raw = ::open(_dir.c_str(), O_RDONLY | O_DIRECTORY);
    ASSERT_GE(raw, 0);
    {
        unique_fd a(raw);
        unique_fd b(std::move(a));
        EXPECT_FALSE(a.valid());
        EXPECT_EQ(b.get(), raw);
        unique_fd c;
        c = std::move(b);
        EXPECT_FALSE(b.valid());
        EXPECT_TRUE(fd_open(raw));
    }
    EXPECT_FALSE(fd_open(raw));
}

TEST_F(file_util_test, unique_fd_release_keeps_fd_open) {
    int raw = ::open(_dir.c_str(), O_RDONLY | O_DIRECTORY);
    ASSERT_GE(raw, 0);
    {
        unique_fd a(raw);
        EXPECT_EQ(a.release(), raw);
    }
    EXPECT_TRUE(fd_open(raw));
    ::close(raw);
}

TEST_F(file_util_test, write_atomic_then_read_round_trip) {
    auto p = _dir / "f";
    ASSERT_TRUE(write_file_atomic(p, bytes("hello")));
    auto r = read_file(p);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, bytes("hello"));
    ASSERT_TRUE(write_file_atomic(p, bytes("replaced, longer")));
    EXPECT_EQ(read_file(p).value(), bytes("replaced, longer"));
    EXPECT_FALSE(fs::exists(_dir / "f.tmp"));
}

TEST_F(file_util_test, read_empty_and_large_files) {
    auto p = _dir / "empty";
    ASSERT_TRUE(write_file_atomic(p, {}));
    EXPECT_TRUE(read_file(p).value().empty());
    std::vector<uint8_t> big(1 << 20);
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 31);
    ASSERT_TRUE(write_file_atomic(_dir / "big", big));
    EXPECT_EQ(read_file(_dir / "big").value(), big);
}

TEST_F(file_util_test, read_missing_file_is_not_found) {
    auto r = read_file(_dir / "nope");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::not_found);
}

// A crash after the .tmp was written but before the rename leaves a stale .tmp: readers
// must see the old content, and the next write must replace the stale file.
TEST_F(file_util_test, stale_tmp_is_ignored_and_overwritten) {
    auto p = _dir / "f";
    ASSERT_TRUE(write_file_atomic(p, bytes("old")));
    write_raw(_dir / "f.tmp", "torn half-written garbage");
    EXPECT_EQ(read_file(p).value(), bytes("old"));
    ASSERT_TRUE(write_file_atomic(p, bytes("new")));
    EXPECT_EQ(read_file(p).value(), bytes("new"));
    EXPECT_FALSE(fs::exists(_dir / "f.tmp"));
}

TEST_F(file_util_test, write_into_missing_directory_is_io_error) {
    auto r = write_file_atomic(_dir / "no" / "such" / "f", bytes("x"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::io_error);
}

TEST_F(file_util_test, fsync_dir) {
    EXPECT_TRUE(fsync_dir(_dir));
    auto r = fsync_dir(_dir / "missing");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::io_error);
}

TEST_F(file_util_test, open_file_missing_is_not_found) {
    auto r = open_file(_dir / "missing", O_RDONLY);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::not_found);
}

TEST(count_entries_before_zero_tail, rules) {
    auto count = [](std::vector<uint8_t> v) {
        return count_entries_before_zero_tail({v.data(), v.size()}, 2);
    };
    EXPECT_EQ(count({}), 0u);
    EXPECT_EQ(count({0, 0}), 0u);              // a lone zero entry 0 is an empty file
    EXPECT_EQ(count({0, 0, 0, 0, 0, 0}), 0u);  // preallocated, nothing written
    EXPECT_EQ(count({0, 1}), 1u);
    EXPECT_EQ(count({0, 0, 0, 1, 0, 0}), 2u);        // zero entry 0 counts when followed
    EXPECT_EQ(count({1, 0, 2, 0, 0, 0, 3, 0}), 2u);  // stops at the first zero entry
    EXPECT_EQ(count({1, 0, 2, 0, 3}), 2u);           // a partial trailing entry is ignored
}

TEST_F(file_util_test, mapped_file_writable_resize_and_seal) {
    auto p = _dir / "m";
    auto f = mapped_file::open(p, true, 64);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->size(), 64u);
    EXPECT_EQ(f->size_at_open(), 0u);
    f->data()[0] = 0xab;
    ASSERT_TRUE(f->resize(128));
    EXPECT_EQ(f->data()[0], 0xab);
    EXPECT_EQ(fs::file_size(p), 128u);
    ASSERT_TRUE(f->seal(8));
    EXPECT_FALSE(f->writable());
    EXPECT_EQ(fs::file_size(p), 8u);
    EXPECT_EQ(f->data()[0], 0xab);
    ASSERT_TRUE(f->remove());
    EXPECT_FALSE(fs::exists(p));
}

// The indexes are preallocated sparse and written through MAP_SHARED; a store into a
// hole the filesystem cannot back is SIGBUS, so they reserve blocks ahead of the store.
TEST_F(file_util_test, mapped_file_reserve_allocates_blocks_ahead) {
    const auto p = _dir / "idx";
    auto f = mapped_file::open(p, true, 1 << 20);
    ASSERT_TRUE(f);
    auto allocated = [&] {
        struct stat st {};
        EXPECT_EQ(::stat(p.c_str(), &st), 0);
        return static_cast<uint64_t>(st.st_blocks) * 512;
    };
    ASSERT_TRUE(f->reserve(8));
    EXPECT_GE(allocated(), 64u * 1024);  // one 64 KiB step ahead
    ASSERT_TRUE(f->reserve(100 * 1024));
    EXPECT_GE(allocated(), 128u * 1024);
    ASSERT_TRUE(f->reserve(1 << 20));  // up to the end of the file, not past it
    EXPECT_GE(allocated(), 1u << 20);
    f->data()[(1 << 20) - 1] = 7;
    ASSERT_TRUE(f->seal(1 << 20));
    EXPECT_EQ(read_file(p).value().back(), 7);
}

TEST_F(file_util_test, mapped_file_read_only_missing_and_empty) {
    auto r = mapped_file::open(_dir / "missing", false, 0);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::not_found);
    write_raw(_dir / "empty", "");
    auto e = mapped_file::open(_dir / "empty", false, 0);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->size(), 0u);
    EXPECT_EQ(e->data(), nullptr);
}

}  // namespace
