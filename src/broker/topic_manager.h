#pragma once
// topic_manager: the topics of this broker, their partitions' logs, and their configs.
//
// Owned by the broker on its shard. Topic metadata (id, partition count, config overrides)
// is kept in `<log.dir>/__sluice_topics/<topic>.properties`, replaced atomically on every
// change; each partition directory also gets Kafka's `partition.metadata` (topic id).
// A partition directory found without a topic file (for example a data directory written
// by the storage tools) is adopted with default configs.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "partition.h"
#include "sluice/protocol/kafka_error.h"
#include "sluice/protocol/wire.h"
#include "sluice/storage/cleaner_thread.h"
#include "sluice/storage/log_manager.h"
#include "topic_config.h"

namespace sluice::broker {

struct topic_info {
    std::string name;
    protocol::uuid id{};
    config_map configs;
    std::vector<std::unique_ptr<partition>> partitions;
};

/// A failed admin operation: the Kafka error and a message for the client.
struct topic_error {
    protocol::kafka_error code;
    std::string message;
};

class topic_manager {
  public:
    topic_manager(storage::log_manager& logs, const broker_options& opts);
    ~topic_manager();

    /// Load topic files and adopt partition directories (at startup).
    bool load(int64_t now_ms);

    topic_info* find(const std::string& name);
    topic_info* find(const protocol::uuid& id);
    partition* find_partition(const std::string& topic, int32_t index);
    const std::map<std::string, std::unique_ptr<topic_info>>& topics() const { return _topics; }

    /// Kafka's topic name rules (legal characters, length, not "." or "..").
    static std::optional<std::string> invalid_topic_name(const std::string& name);
    /// Create a topic. validate_only checks everything and creates nothing.
    std::optional<topic_error> create(const std::string& name, int32_t partitions,
                                      int16_t replication_factor, const config_map& configs,
                                      bool validate_only, int64_t now_ms);
    std::optional<topic_error> remove(const std::string& name);
    std::optional<topic_error> add_partitions(const std::string& name, int32_t new_total,
                                              bool validate_only, int64_t now_ms);

    size_t apply_retention(int64_t now_ms) { return _logs.apply_retention(now_ms); }
    /// Start a compaction pass on the cleaner thread for every log whose topic has
    /// cleanup.policy containing compact and that has no pass running (compaction.h).
    /// Returns the passes started.
    size_t compact(int64_t now_ms);
    /// Swap in what the cleaner thread finished (from the housekeeping tick). Returns the
    /// segments rewritten.
    size_t finish_compactions();
    /// Passes started and not finished yet.
    size_t compactions_running() const { return _compacting.size(); }
    /// Give every open log its topic's effective settings again (after the broker
    /// defaults changed: a configuration reload).
    void refresh_log_configs();
    /// Forget idempotent producers silent for producer.id.expiration.ms, in every log.
    size_t expire_producers(int64_t now_wall_ms);
    /// Remove the files of deleted partitions whose last writes have finished.
    void reap_doomed();
    bool has_doomed() const { return !_doomed.empty(); }
    static std::string id_string(const protocol::uuid& id);

  private:
    bool persist(const topic_info& t);
    bool open_partitions(topic_info& t, int32_t from, int32_t to, int64_t now_ms);
    std::filesystem::path topic_file(const std::string& name) const;

    storage::log_manager& _logs;
    const broker_options& _opts;
    std::map<std::string, std::unique_ptr<topic_info>> _topics;
    struct doomed_log {
        storage::topic_partition tp;
        storage::log* log;
    };
    std::vector<doomed_log> _doomed;
    // Compaction passes on the cleaner thread, by tag; a log has at most one.
    std::map<uint64_t, doomed_log> _compacting;
    uint64_t _next_compaction_tag = 1;
    std::unique_ptr<storage::cleaner_thread> _cleaner;  // started with the first pass
};

}  // namespace sluice::broker
