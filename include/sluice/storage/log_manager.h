#pragma once
// log_manager: one log directory (`log.dirs` entry) and the partition logs in it.
//
// Owned by one shard (for now the only one), driven by its reactor. Lifecycle:
//   open(): lock the directory (.lock, so two brokers never share it), check or write
//     meta.properties, learn whether the last stop was clean (.clean_shutdown marker,
//     which is removed at once), read the recovery-point and log-start checkpoints, and
//     open (recover) every `<topic>-<partition>` directory;
//   create()/find() partitions while running; write_checkpoints() periodically;
//   close() once every log is idle: close each log, write the checkpoints, then the
//     marker, so the next start skips recovery.
// Checkpoints and the marker are written atomically (temp file, fsync, rename, fsync dir).

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>

#include "sluice/io/reactor.h"
#include "sluice/storage/file_util.h"
#include "sluice/storage/log.h"
#include "sluice/storage/offset_checkpoint.h"

namespace sluice::storage {

struct log_manager_options {
    std::filesystem::path dir;
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

    bool last_stop_was_clean() const { return _clean_at_open; }
    const std::filesystem::path& dir() const { return _dir; }

  private:
    log_manager(io::reactor& r, std::filesystem::path dir) : _reactor(r), _dir(std::move(dir)) {}
    result<void> open_partitions(const log_manager_options& o, int64_t now_ms);

    io::reactor& _reactor;
    std::filesystem::path _dir;
    unique_fd _lock;
    bool _clean_at_open = false;
    bool _closed = false;
    std::map<topic_partition, std::unique_ptr<log>> _logs;
};

/// "<topic>-<partition>" (Kafka's partition directory name).
std::string partition_dir_name(const topic_partition& tp);
/// The inverse; nullopt for names that are not partition directories.
std::optional<topic_partition> parse_partition_dir_name(const std::string& name);

}  // namespace sluice::storage
