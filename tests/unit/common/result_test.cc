#include "sluice/common/result.h"

#include <gtest/gtest.h>

#include <string>

namespace {
enum class errc { bad = 1, worse = 2 };
template <class T>
using result = sluice::common::result<T, errc>;

result<int> half(int x) {
    if (x % 2) return sluice::common::fail(errc::bad);
    return x / 2;
}
}  // namespace

TEST(result, value_and_error) {
    auto ok = half(8);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok.value(), 4);
    auto bad = half(3);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error(), errc::bad);
}

TEST(result, void_result) {
    result<void> ok;
    EXPECT_TRUE(ok);
    result<void> bad = sluice::common::fail(errc::worse);
    EXPECT_FALSE(bad);
    EXPECT_EQ(bad.error(), errc::worse);
}

TEST(result, move_only_value) {
    result<std::unique_ptr<std::string>> r = std::make_unique<std::string>("x");
    ASSERT_TRUE(r);
    auto p = std::move(r).value();
    EXPECT_EQ(*p, "x");
}

TEST(result_death, value_of_error_aborts) {
    EXPECT_DEATH({ (void)half(1).value(); }, "result holds an error");
}
