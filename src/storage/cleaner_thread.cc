#include "sluice/storage/cleaner_thread.h"

#include <pthread.h>

namespace sluice::storage {

cleaner_thread::cleaner_thread() : _thread([this] { loop(); }) {
    pthread_setname_np(_thread.native_handle(), "sluice-cleaner");
}

cleaner_thread::~cleaner_thread() {
    {
        std::lock_guard lock(_mutex);
        _stop = true;
        _cancel.store(true, std::memory_order_relaxed);
    }
    _wake.notify_all();
    _thread.join();
    for (auto& f : _todo) f.job->discard();
    for (auto& f : _done) f.job->discard();
}

void cleaner_thread::submit(std::unique_ptr<compaction_job> job, uint64_t tag) {
    job->cancel = &_cancel;
    ++_outstanding;
    {
        std::lock_guard lock(_mutex);
        _todo.push_back({std::move(job), tag});
    }
    _wake.notify_one();
}

std::vector<cleaner_thread::finished> cleaner_thread::take_finished() {
    std::vector<finished> out;
    {
        std::lock_guard lock(_mutex);
        out.swap(_done);
    }
    _outstanding -= out.size();
    return out;
}

void cleaner_thread::loop() {
    std::unique_lock lock(_mutex);
    for (;;) {
        _wake.wait(lock, [&] { return _stop || !_todo.empty(); });
        if (_stop) return;
        finished f = std::move(_todo.front());
        _todo.pop_front();
        lock.unlock();
        f.job->run();
        lock.lock();
        _done.push_back(std::move(f));
    }
}

}  // namespace sluice::storage
