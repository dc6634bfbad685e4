#pragma once
// partition: one partition on its leader (this broker), over its log.
//
// Owned by topic_manager on the shard that owns the log. On a single broker the high
// watermark is the log's durable end (DESIGN.md: consumers never see a record a crash
// could take back). Fetches that wait for data register a watcher and are woken when the
// high watermark advances (the log tells us after each fdatasync), never by polling.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "metrics/metrics_registry.h"
#include "sluice/storage/log.h"

namespace sluice::broker {

class partition final : public storage::log_listener {
  public:
    /// Woken (once per advance) while registered.
    class watcher {
      public:
        virtual ~watcher() = default;
        virtual void on_high_watermark(partition& p) = 0;
        /// The partition is being destroyed (topic deleted): forget it.
        virtual void on_partition_removed(partition& p) = 0;
    };

    partition(std::string topic, int32_t index, storage::log* log)
        : _topic(std::move(topic)), _index(index), _log(log) {
        _log->set_listener(this);
    }
    ~partition() override {
        if (_log) _log->set_listener(nullptr);
        auto ws = _watchers;
        for (watcher* w : ws) w->on_partition_removed(*this);
    }

    const std::string& topic() const { return _topic; }
    int32_t index() const { return _index; }
    storage::log& log() { return *_log; }
    int64_t high_watermark() const { return _log->durable_end_offset(); }
    int64_t log_start_offset() const { return _log->log_start_offset(); }
    int64_t log_end_offset() const { return _log->log_end_offset(); }
    /// Produce and fetch counters for the metrics endpoint.
    partition_probe& probe() { return _probe; }

    void watch(watcher* w) { _watchers.push_back(w); }
    void unwatch(watcher* w) { std::erase(_watchers, w); }

    void on_durable_advanced(int64_t) override {
        // A woken watcher usually unwatches itself: iterate over a copy.
        auto ws = _watchers;
        for (watcher* w : ws) {
            if (std::find(_watchers.begin(), _watchers.end(), w) != _watchers.end()) {
                w->on_high_watermark(*this);
            }
        }
    }
    /// The log is going away (topic deleted): stop listening.
    void detach() {
        _log->set_listener(nullptr);
        _log = nullptr;
    }
    bool detached() const { return _log == nullptr; }

  private:
    std::string _topic;
    int32_t _index;
    storage::log* _log;
    std::vector<watcher*> _watchers;
    partition_probe _probe;
};

}  // namespace sluice::broker
