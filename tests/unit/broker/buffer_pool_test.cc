// buffer_pool: size classes, reuse, and the bound on what it keeps.

#include "buffer_pool.h"

#include <gtest/gtest.h>

namespace sluice::broker {
namespace {

TEST(buffer_pool, chunks_come_in_power_of_two_classes_and_are_reused) {
    buffer_pool pool(256 * 1024, 8);
    EXPECT_EQ(pool.get(1)->capacity, 256u * 1024);
    EXPECT_EQ(pool.get(256 * 1024)->capacity, 256u * 1024);
    EXPECT_EQ(pool.get(256 * 1024 + 1)->capacity, 512u * 1024);
    EXPECT_EQ(pool.get(3u << 20)->capacity, 4u << 20);
    EXPECT_EQ(pool.largest_class_bytes(), 16u << 20);
    EXPECT_EQ(pool.get(16u << 20)->capacity, 16u << 20);
    // Above the largest class: exactly what was asked, never kept.
    EXPECT_EQ(pool.get((16u << 20) + 1)->capacity, (16u << 20) + 1);

    uint8_t* first = nullptr;
    {
        auto c = pool.get(1u << 20);
        first = c->data.get();
    }
    auto again = pool.get(1u << 20);
    EXPECT_EQ(again->data.get(), first) << "a returned chunk is handed out again";
}

TEST(buffer_pool, keeps_a_bounded_number_per_class) {
    buffer_pool pool(256 * 1024, 8);
    {
        std::vector<chunk_ptr> small, big;
        for (int i = 0; i < 20; ++i) small.push_back(pool.get(1));
        for (int i = 0; i < 20; ++i) big.push_back(pool.get(4u << 20));
    }
    // 8 of the standard size; the 4 MiB class (16x larger) keeps the minimum of 2.
    EXPECT_EQ(pool.pooled(), 8u + 2u);
}

}  // namespace
}  // namespace sluice::broker
