#include "batch_writer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "sluice/storage/record_batch_builder.h"
#include "sluice/storage/record_reader.h"

namespace sluice::perf {
namespace {

// Same records through both encoders: the bytes must be identical, header and CRC included.
TEST(batch_writer, matches_record_batch_builder_byte_for_byte) {
    batch_writer w;
    for (int round = 0; round < 3; ++round) {  // reuse keeps nothing from the last batch
        const int64_t base = 1700000000000 + round;
        storage::record_batch_builder b(0, base);
        w.start(base);
        const size_t sizes[] = {0, 1, 63, 64, 1000, 8191, 8192, 100000};
        int i = 0;
        for (size_t size : sizes) {
            std::vector<uint8_t> value(size);
            for (size_t j = 0; j < size; ++j) value[j] = static_cast<uint8_t>(j * 7 + i + round);
            const int64_t ts = base + i * 37;
            b.add(std::nullopt, std::span<const uint8_t>(value), ts);
            if (size)
                std::memcpy(w.append(size, ts), value.data(), size);
            else
                w.append(0, ts);
            ++i;
        }
        ASSERT_EQ(w.record_count(), b.record_count());
        std::vector<uint8_t> expected = b.build();
        auto got = w.finish();
        ASSERT_EQ(std::vector<uint8_t>(got.begin(), got.end()), expected) << "round " << round;
    }
}

TEST(batch_writer, records_read_back) {
    batch_writer w;
    w.start(1000);
    for (int i = 0; i < 50; ++i) {
        uint8_t* v = w.append(8, 1000 + i);
        std::memcpy(v, &i, sizeof i);
        std::memset(v + 4, 0xab, 4);
    }
    int seen = 0;
    auto r = storage::for_each_record(w.finish(), [&](const storage::record_view& rec) {
        EXPECT_EQ(rec.offset, seen);
        EXPECT_EQ(rec.timestamp, 1000 + seen);
        EXPECT_FALSE(rec.key.has_value());
        ASSERT_TRUE(rec.value.has_value());
        int got = -1;
        std::memcpy(&got, rec.value->data(), sizeof got);
        EXPECT_EQ(got, seen);
        ++seen;
    });
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(seen, 50);
}

}  // namespace
}  // namespace sluice::perf
