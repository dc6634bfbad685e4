#pragma once
// group_coordinator: drives the consumer groups (group::group_stm) and their committed
// offsets (group::offset_store) for the broker, with the offsets kept as records in the
// compacted internal topic __consumer_offsets (Kafka's layout), one partition per group
// chosen as Kafka does (hash(group) % offsets.topic.num.partitions).
//
// Owned by the broker on its shard. Join and sync answers often come later than their
// requests (when a rebalance completes): the request context waits here under a ticket
// until the state machine hands out the answer. tick() runs the groups' timers.
// Commits are answered after the fdatasync that makes their records durable; so are the
// answers that follow a change the group must remember (a completed assignment, a static
// member's restart): the group's record (GroupMetadataValue) is written first, and loaded
// back at startup so members keep their ids, generation and assignments across a restart.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "group_stm.h"
#include "offset_store.h"
#include "request_context.h"

namespace sluice::broker {

class broker;

class group_coordinator {
  public:
    static constexpr const char* offsets_topic = "__consumer_offsets";

    explicit group_coordinator(broker& b);
    ~group_coordinator();

    /// Create __consumer_offsets if missing and replay its records into the store.
    bool load(int64_t now_ms, std::string* why);
    void tick(int64_t now_ms);
    /// The broker is stopping: answer every waiting join/sync with an error.
    void stop();

    /// JoinGroup / SyncGroup: the context waits until the answer is known.
    void join(request_context&& ctx, const std::string& group_id, const group::join_request& req);
    void sync(request_context&& ctx, const std::string& group_id, const group::sync_request& req);

    group::group_stm* find(const std::string& group_id);
    group::group_stm& find_or_create(const std::string& group_id);
    const std::map<std::string, std::unique_ptr<group::group_stm>>& groups() const {
        return _groups;
    }
    group::offset_store& offsets() { return _offsets; }

    struct commit_entry {
        group::partition_key tp;
        group::committed_offset offset;
        int16_t* error_out;  // where the partition's error code goes (in the response)
    };
    /// Write the commits to __consumer_offsets; `done` runs once they are durable (or
    /// failed; the error codes are then already filled in).
    void commit(const std::string& group_id, std::vector<commit_entry> entries,
                std::function<void()> done);
    /// Tombstones for a group's offsets (DeleteGroups) or some of them (OffsetDelete).
    void delete_offsets(const std::string& group_id, const std::vector<group::partition_key>& tps);
    void remove_group(const std::string& group_id);
    /// Expire the committed offsets of groups without members (offsets.retention.minutes).
    size_t expire_offsets(int64_t now_wall_ms);
    /// Send the answers the group's state machine has ready (after leave, tick...).
    void deliver(group::group_stm& g);

  private:
    struct pending;
    storage::log* offsets_log(const std::string& group_id);
    /// Answer the deliveries whose requests still wait here.
    void respond(std::vector<group::delivery>& out);
    /// Write the group's GroupMetadataValue and answer `held` once it is durable (with
    /// COORDINATOR_NOT_AVAILABLE if the write failed: the members rejoin).
    void store_group(const group::group_stm& g, std::vector<group::delivery> held);
    /// A tombstone for the group's metadata record (the group is gone).
    void forget_group(const std::string& group_id);

    broker& _broker;
    std::map<std::string, std::unique_ptr<group::group_stm>> _groups;
    group::offset_store _offsets;
    std::map<uint64_t, std::unique_ptr<pending>> _pending;
    uint64_t _next_ticket = 1;
    std::map<std::string, uint64_t> _stored_seq;  // group -> store_seq() last written
    std::string _member_id_nonce;                 // random per broker start
};

}  // namespace sluice::broker
