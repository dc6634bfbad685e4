#pragma once
// record_reader: the records of one uncompressed RecordBatch v2, for tools and tests
// (the broker itself never looks inside records on the data path).

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "sluice/storage/errc.h"

namespace sluice::storage {

struct record_header_view {
    std::string_view key;
    std::optional<std::span<const uint8_t>> value;
};

struct record_view {
    int64_t offset;
    int64_t timestamp;
    std::optional<std::span<const uint8_t>> key;
    std::optional<std::span<const uint8_t>> value;
    std::vector<record_header_view> headers;
};

/// Calls visit(record) for each record of the batch in order. The batch must be whole; a
/// compressed one is decompressed first (bounded; corrupt_compression if it cannot be).
result<void> for_each_record(std::span<const uint8_t> batch,
                             const std::function<void(const record_view&)>& visit);

}  // namespace sluice::storage
