#pragma once
// cleaner_thread: the background thread that runs a shard's compaction jobs
// (compaction_job::run: reading closed segments, writing `.cleaned` files), so a pass never
// blocks the shard's reactor. The shard submits jobs and collects finished ones on its own
// schedule (log::finish_compaction); the two sides share only the two job queues, under one
// mutex that is never held while a job runs. Not on the data path.
//
// Owned by the shard (the broker's topic manager). The destructor cancels the job that is
// running (it gives up between batches and deletes its files) and joins the thread; jobs
// not collected are discarded.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "sluice/storage/compaction.h"

namespace sluice::storage {

class cleaner_thread {
  public:
    cleaner_thread();
    ~cleaner_thread();
    cleaner_thread(const cleaner_thread&) = delete;
    cleaner_thread& operator=(const cleaner_thread&) = delete;

    /// `tag` comes back with the job (the shard's way to find the log again).
    void submit(std::unique_ptr<compaction_job> job, uint64_t tag);
    struct finished {
        std::unique_ptr<compaction_job> job;
        uint64_t tag;
    };
    /// Jobs run since the last call, in the order they finished.
    std::vector<finished> take_finished();
    /// Jobs submitted and not yet taken back.
    size_t outstanding() const { return _outstanding; }

  private:
    void loop();

    std::mutex _mutex;
    std::condition_variable _wake;
    std::deque<finished> _todo;
    std::vector<finished> _done;
    bool _stop = false;
    std::atomic<bool> _cancel{false};
    size_t _outstanding = 0;  // the shard's count; only the shard touches it
    std::thread _thread;
};

}  // namespace sluice::storage
