#pragma once
// producer_ids: hands out idempotent producers' ids (InitProducerId), never the same id
// twice, also across restarts and crashes. Ids come in blocks of `block_size`; before the
// first id of a block is handed out, the start of the next block is written durably to
// `<log dir>/producer-id-block` (one line, `next.block.start=<n>`), so a restart continues
// after every id that may have been given out (skipping the rest of the block, as Kafka
// does with its ProducerIdManager blocks).
//
// Owned by the broker on its shard; not thread-safe.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace sluice::broker {

class producer_ids {
  public:
    static constexpr int64_t block_size = 1000;

    /// Read the file (a missing file: ids start at 0). False with `why` on a bad file.
    bool load(const std::filesystem::path& log_dir, std::string* why);
    /// The next id, or nullopt when the block file cannot be written.
    std::optional<int64_t> next();

  private:
    std::filesystem::path _file;
    int64_t _next = 0;
    int64_t _block_end = 0;  // ids below this may be handed out without a write
};

}  // namespace sluice::broker
