#pragma once
// tail_cache: the staging copies of completed direct writes (log.write.mode=direct), kept
// so that reads at the tail of a log need not go to the device: direct writes leave
// nothing in the page cache.
//
// One per thread (shard), shared by its segments, with one byte budget
// (log.write.direct.cache.bytes): the copies are kept in the order they were written, and
// the oldest go first when the budget is passed, whichever partition they belong to, so a
// partition no longer written gives its memory to those that are. Each segment lists its
// own copies (oldest first) and gives them up when it is truncated, rolled past, removed
// or destroyed. A copy handed to a reader (a response being sent) stays alive through
// its shared_ptr after it left the cache.
//
// Not thread-safe: used only on the shard's thread.

#include <sys/uio.h>

#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <vector>

namespace sluice::storage {

class tail_cache {
  public:
    struct copy {
        std::shared_ptr<const uint8_t> bytes;  // file byte `start` is bytes[0]
        uint64_t start;
        uint64_t end;
        std::deque<std::list<copy>::iterator>* owner;  // the segment's list of its copies
    };
    using handle = std::list<copy>::iterator;
    /// A segment's copies, oldest first.
    using copies = std::deque<handle>;

    static tail_cache& local();

    /// Keep `c` in `owner`'s list, then evict the oldest copies (of any segment) while the
    /// kept bytes pass `budget`.
    void add(copies& owner, std::shared_ptr<const uint8_t> bytes, uint64_t start, uint64_t end,
             uint64_t budget);
    /// Give up every copy of one segment.
    void drop(copies& owner);
    /// File bytes [pos, pos + len) as pieces of consecutive copies of one segment; false
    /// (and nothing added) unless the copies hold all of them.
    static bool gather(const copies& owner, uint64_t pos, uint64_t len, std::vector<iovec>& iov,
                       std::vector<std::shared_ptr<const uint8_t>>* owners);

    uint64_t bytes() const { return _bytes; }

  private:
    std::list<copy> _order;  // oldest first, all segments
    uint64_t _bytes = 0;
};

}  // namespace sluice::storage
