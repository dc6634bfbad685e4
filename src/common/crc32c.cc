#include "sluice/common/crc32c.h"

#include <isa-l/crc.h>

#include <climits>

namespace sluice::common {

// ISA-L's crc32_iscsi takes and returns the raw register (no pre/post inversion), so the
// standard CRC-32C is ~crc32_iscsi(data, len, ~crc).
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t len) {
    auto* p = static_cast<unsigned char*>(const_cast<void*>(data));
    uint32_t reg = ~crc;
    while (len > 0) {
        size_t n = len > static_cast<size_t>(INT_MAX) ? static_cast<size_t>(INT_MAX) : len;
        reg = crc32_iscsi(p, static_cast<int>(n), reg);
        p += n;
        len -= n;
    }
    return ~reg;
}

uint32_t crc32c(const void* data, size_t len) {
    return crc32c_extend(0, data, len);
}

}  // namespace sluice::common
