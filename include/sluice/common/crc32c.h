#pragma once
// CRC-32C (Castagnoli), the checksum of Kafka RecordBatch v2 and of Sluice's own files.
// Computed by ISA-L's hardware-accelerated crc32_iscsi (SSE4.2 crc32 + PCLMULQDQ folding).

#include <cstddef>
#include <cstdint>

namespace sluice::common {

/// CRC-32C of `len` bytes, standard parameters: crc32c("123456789") == 0xE3069283.
uint32_t crc32c(const void* data, size_t len);

/// Continue a CRC-32C over more bytes: crc32c(a+b) == crc32c_extend(crc32c(a), b).
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t len);

}  // namespace sluice::common
