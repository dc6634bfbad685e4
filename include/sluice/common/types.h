#pragma once
// Strong ids shared by every module. A logical Kafka `offset` (position in a partition's
// record sequence) is not a byte position `file_pos` in a segment file.

#include <cstdint>

#include "sluice/common/named_type.h"

namespace sluice {

struct offset_tag;
struct file_pos_tag;
/// Kafka record offset within one partition (int64 on the wire).
using offset = common::named_type<int64_t, offset_tag>;
/// Byte position inside one segment file.
using file_pos = common::named_type<uint64_t, file_pos_tag>;

}  // namespace sluice
