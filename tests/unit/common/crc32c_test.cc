#include "sluice/common/crc32c.h"

#include <gtest/gtest.h>

#include <string>

using sluice::common::crc32c;
using sluice::common::crc32c_extend;

TEST(crc32c, standard_check_value) {
    const std::string s = "123456789";
    EXPECT_EQ(crc32c(s.data(), s.size()), 0xE3069283u);
}

TEST(crc32c, empty_is_zero) {
    EXPECT_EQ(crc32c("", 0), 0u);
}

TEST(crc32c, extend_equals_whole) {
    std::string s(10000, '\0');
    for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i * 131 + 7);
    uint32_t whole = crc32c(s.data(), s.size());
    for (size_t cut : {0ul, 1ul, 63ul, 4096ul, 9999ul, 10000ul}) {
        uint32_t a = crc32c(s.data(), cut);
        EXPECT_EQ(crc32c_extend(a, s.data() + cut, s.size() - cut), whole) << "cut " << cut;
    }
}

TEST(crc32c, rfc3720_vectors) {
    // iSCSI (RFC 3720 B.4): 32 bytes of zeros and 32 bytes of 0xFF.
    std::string zeros(32, '\0');
    std::string ones(32, '\xff');
    EXPECT_EQ(crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
    EXPECT_EQ(crc32c(ones.data(), ones.size()), 0x62A8AB43u);
}
