#include "group/offset_store.h"

#include <gtest/gtest.h>

namespace sluice::group {
namespace {

TEST(offset_store, put_get_erase) {
    offset_store s;
    s.put("g", {"t", 0}, {42, 3, "meta", 1000});
    s.put("g", {"t", 1}, {7, -1, "", 1001});
    s.put("h", {"u", 0}, {1, -1, "", 1002});
    EXPECT_EQ(s.get("g", {"t", 0})->offset, 42);
    EXPECT_EQ(s.get("g", {"t", 0})->metadata, "meta");
    EXPECT_FALSE(s.get("g", {"t", 2}));
    EXPECT_EQ(s.offsets_of("g")->size(), 2u);
    s.erase("g", {"t", 0});
    EXPECT_FALSE(s.get("g", {"t", 0}));
    s.erase_group("g");
    EXPECT_EQ(s.offsets_of("g"), nullptr);
    EXPECT_EQ(s.groups(), std::vector<std::string>{"h"});
}

TEST(offset_store, expired_offsets_are_those_older_than_the_retention) {
    offset_store s;
    s.put("g", {"t", 0}, {1, -1, "", 1000});
    s.put("g", {"t", 1}, {2, -1, "", 5000});
    EXPECT_TRUE(s.expired("g", 5000, 10000).empty());
    EXPECT_EQ(s.expired("g", 11001, 10000), (std::vector<partition_key>{{"t", 0}}));
    EXPECT_EQ(s.expired("g", 20000, 10000).size(), 2u);
    EXPECT_TRUE(s.expired("g", 20000, -1).empty());  // -1: keep forever
    EXPECT_TRUE(s.expired("nobody", 20000, 1).empty());
}

TEST(offset_store, records_round_trip_and_tombstones) {
    offset_store a;
    auto key = offset_store::record_key("group-1", {"orders", 5});
    auto value = offset_store::record_value({123, 4, "m", 1700000000000});
    // Kafka's layout: int16 version 1, then group, topic (int16 strings), partition.
    ASSERT_GE(key.size(), 2u);
    EXPECT_EQ(key[0], 0);
    EXPECT_EQ(key[1], 1);
    EXPECT_EQ(value[1], 3);
    ASSERT_TRUE(a.apply_record(std::span<const uint8_t>(key), std::span<const uint8_t>(value)));
    auto got = a.get("group-1", {"orders", 5});
    ASSERT_TRUE(got);
    EXPECT_EQ(got->offset, 123);
    EXPECT_EQ(got->leader_epoch, 4);
    EXPECT_EQ(got->commit_timestamp_ms, 1700000000000);
    ASSERT_TRUE(a.apply_record(std::span<const uint8_t>(key), std::nullopt));
    EXPECT_FALSE(a.get("group-1", {"orders", 5}));
    std::vector<uint8_t> garbage = {0, 1, 0xff};
    EXPECT_FALSE(a.apply_record(std::span<const uint8_t>(garbage), std::nullopt));
}

TEST(offset_store, partition_for_group_matches_java_string_hashcode) {
    // Java: "my-group".hashCode() == -1906497762 -> abs 1906497762 % 50 == 12.
    EXPECT_EQ(partition_for_group("my-group", 50), 12);
    // "" hashes to 0.
    EXPECT_EQ(partition_for_group("", 50), 0);
    // A negative hash: "polygenelubricants".hashCode() == Integer.MIN_VALUE -> abs gives 0.
    EXPECT_EQ(partition_for_group("polygenelubricants", 50), 0);
    for (int n : {1, 3, 50}) {
        int32_t p = partition_for_group("console-consumer-12345", n);
        EXPECT_GE(p, 0);
        EXPECT_LT(p, n);
    }
}

}  // namespace
}  // namespace sluice::group
