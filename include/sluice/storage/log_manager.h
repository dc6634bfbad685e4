#pragma once
// log_manager: the log directories (`log.dirs` entries) and the partition logs in them.
//
// Owned by one shard (for now the only one), driven by its reactor. Lifecycle:
//   open(): per directory, lock it (.lock, so two brokers never share it), check or write
//     meta.properties, learn whether its last stop was clean (.clean_shutdown marker,
//     which is removed at once), read its recovery-point and log-start checkpoints, and
//     open (recover) every `<topic>-<partition>` directory in it; a partition found in
//     two directories stops the start;
//   create() puts a new partition in the directory with the fewest partitions (Kafka's
//     rule); find() while running; write_checkpoints() periodically (each directory holds
//     the checkpoints of its own partitions);
//   close() once every log is idle: close each log, write the checkpoints, then each
//     directory's marker, so the next start skips recovery.
// The first directory is also the broker's home for its own files (topic configs,
// producer-id blocks): dir().
// Checkpoints and the marker are written atomically (temp file, fsync, rename, fsync dir).

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <vector>

#include "sluice/io/reactor.h"
#include "sluice/storage/file_util.h"
#include "sluice/storage/log.h"
#include "sluice/storage/offset_checkpoint.h"

namespace sluice::storage {

struct log_manager_options {
    std::vector<std::filesystem::path> dirs;  // at least one
    int32_t node_id = 0;
    log_config defaults;
};

class log_manager {
  public:
    static constexpr const char* clean_shutdown_file = ".clean_shutdown";
    static constexpr const char* lock_file = ".lock";
    static constexpr const char* recovery_point_file = "recovery-point-offset-checkpoint";
    static constexpr const char* log_start_file = "log-start-offset-checkpoint";

    static result<std::unique_ptr<log_manager>> open(io::reactor& r, const log_manager_options& o,
                                                     int64_t now_ms);
    ~log_manager();

    /// The partition's log, or nullptr.
    log* find(const topic_partition& tp) const;
    /// Create a new, empty partition log (its directory is made durable).
    result<log*> create(const topic_partition& tp, const log_config& cfg, int64_t now_ms);
    const std::map<topic_partition, std::unique_ptr<log>>& logs() const { return _logs; }
    /// Delete a partition: its directory is renamed to `<dir>.<n>-delete` (durably, so a
    /// crash never resurrects it) and then removed. Only when the log is idle().
    result<void> remove(const topic_partition& tp);

    /// Recovery points (durable end offsets) and log start offsets, written atomically.
    result<void> write_checkpoints();
    /// Retention on every log; returns the number of segments deleted.
    size_t apply_retention(int64_t now_ms);

    bool idle() const;
    /// Only when idle(): close every log, write checkpoints and the clean-shutdown marker.
    result<void> close();

    /// Whether every directory's last stop was clean.
    bool last_stop_was_clean() const;
    /// The first log directory: where the broker keeps its own files.
    const std::filesystem::path& dir() const { return _dirs.front().path; }
    /// The log directory a partition is in (nullptr if there is no such partition).
    const std::filesystem::path* dir_of(const topic_partition& tp) const;
    size_t dir_count() const { return _dirs.size(); }

  private:
    struct log_dir {
        std::filesystem::path path;
        unique_fd lock;
        bool clean_at_open = false;
        size_t partitions = 0;
    };
    explicit log_manager(io::reactor& r) : _reactor(r) {}
    result<void> open_dir(log_dir& d, const log_manager_options& o);
    result<void> open_partitions(size_t dir_index, const log_manager_options& o, int64_t now_ms);

    io::reactor& _reactor;
    std::vector<log_dir> _dirs;
    bool _closed = false;
    std::map<topic_partition, std::unique_ptr<log>> _logs;
    std::map<topic_partition, size_t> _dir_of;  // partition -> index in _dirs
};

/// "<topic>-<partition>" (Kafka's partition directory name).
std::string partition_dir_name(const topic_partition& tp);
/// The inverse; nullopt for names that are not partition directories.
std::optional<topic_partition> parse_partition_dir_name(const std::string& name);

}  // namespace sluice::storage
