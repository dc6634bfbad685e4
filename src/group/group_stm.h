#pragma once
// group_stm: one consumer group's membership, as Kafka's classic group protocol defines it
// (GroupCoordinator / GroupMetadata in Kafka). A deterministic state machine: it takes
// requests and the time as inputs and returns what to answer; it does no I/O and reads no
// clock, so tests can drive it through random event sequences.
//
// States (Kafka's names): empty, preparing_rebalance, completing_rebalance, stable, dead.
// Transition table (event -> next state):
//   empty:                 join -> preparing_rebalance
//   preparing_rebalance:   every known member rejoined, or rebalance timeout/initial delay
//                          passed (tick) -> completing_rebalance (or empty if nobody joined)
//   completing_rebalance:  leader's sync -> stable; a join or leave -> preparing_rebalance;
//                          session expiry, or a member's SyncGroup missing after the
//                          rebalance timeout (Kafka DelayedSync) -> preparing_rebalance
//   stable:                join of a new member or a member with changed protocols,
//                          leave, session expiry, a missing SyncGroup -> preparing_rebalance
//                          (a static member rejoining with the same protocols: no rebalance,
//                          KIP-345: it gets its old assignment back)
//   any:                   delete (DeleteGroups, only when empty) -> dead
//
// Owned by the group coordinator on the shard that leads the group's __consumer_offsets
// partition; not thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::group {

enum class group_state { empty, preparing_rebalance, completing_rebalance, stable, dead };
const char* to_string(group_state s);

/// Kafka error codes the state machine answers with (the wire values).
enum class group_error : int16_t {
    none = 0,
    coordinator_not_available = 15,
    illegal_generation = 22,
    inconsistent_group_protocol = 23,
    unknown_member_id = 25,
    invalid_session_timeout = 26,
    rebalance_in_progress = 27,
    non_empty_group = 68,
    group_id_not_found = 69,
    member_id_required = 79,
    fenced_instance_id = 82,
    group_max_size_reached = 81,
};

struct protocol_metadata {
    std::string name;               // e.g. "range", "roundrobin", "cooperative-sticky"
    std::vector<uint8_t> metadata;  // opaque (ConsumerProtocolSubscription for "consumer")
};

struct join_request {
    std::string member_id;                         // "" on first join
    std::optional<std::string> group_instance_id;  // static membership (KIP-345)
    std::string client_id;
    std::string client_host;
    int32_t session_timeout_ms = 10000;
    int32_t rebalance_timeout_ms = 300000;
    std::string protocol_type;  // "consumer"
    std::vector<protocol_metadata> protocols;
    bool require_known_member_id = false;  // JoinGroup v4+: answer MEMBER_ID_REQUIRED first
};

struct join_member_info {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::vector<uint8_t> metadata;  // the member's metadata for the chosen protocol
};

struct join_response {
    group_error error = group_error::none;
    int32_t generation_id = -1;
    std::string protocol_type;
    std::string protocol_name;
    std::string leader;
    std::string member_id;
    std::vector<join_member_info> members;  // only for the leader
};

struct sync_assignment {
    std::string member_id;
    std::vector<uint8_t> assignment;
};

struct sync_request {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    int32_t generation_id = -1;
    std::vector<sync_assignment> assignments;  // only the leader sends them
};

struct sync_response {
    group_error error = group_error::none;
    std::string protocol_type;
    std::string protocol_name;
    std::vector<uint8_t> assignment;
};

/// A response the driver must deliver: join and sync answers are often given later than
/// the request (when the rebalance completes), so the state machine hands them out here,
/// addressed by a ticket the driver got when it submitted the request.
struct delivery {
    uint64_t ticket;
    std::optional<join_response> join;
    std::optional<sync_response> sync;
};

struct member_description {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    std::vector<uint8_t> metadata;  // for the chosen protocol
    std::vector<uint8_t> assignment;
};

/// What a group leaves in __consumer_offsets (Kafka's GroupMetadataValue): its generation,
/// protocol, leader and members with their subscription for the chosen protocol and their
/// assignment. An empty group has no protocol, leader or members.
struct group_snapshot {
    struct member_record {
        std::string member_id;
        std::optional<std::string> group_instance_id;
        std::string client_id;
        std::string client_host;
        int32_t rebalance_timeout_ms = 0;
        int32_t session_timeout_ms = 0;
        std::vector<uint8_t> subscription;  // metadata for the chosen protocol
        std::vector<uint8_t> assignment;
        bool operator==(const member_record&) const = default;
    };
    std::string protocol_type;
    int32_t generation = 0;
    std::string protocol_name;
    std::string leader;
    std::vector<member_record> members;
    bool operator==(const group_snapshot&) const = default;
};

struct group_settings {
    int32_t session_timeout_min_ms = 6000;      // group.min.session.timeout.ms
    int32_t session_timeout_max_ms = 1800000;   // group.max.session.timeout.ms
    int32_t initial_rebalance_delay_ms = 3000;  // group.initial.rebalance.delay.ms
    int32_t max_size = INT32_MAX;               // group.max.size
    /// Part of every member id this group hands out ("<client>-<nonce>-<n>"), so that ids
    /// from before a broker restart (their counter restarts) are never handed out again.
    std::string member_id_nonce;
};

class group_stm {
  public:
    group_stm(std::string group_id, group_settings settings);

    /// JoinGroup. The answer comes through deliveries() (immediately or when the rebalance
    /// completes) under `ticket`.
    void join(uint64_t ticket, const join_request& req, int64_t now_ms);
    /// SyncGroup, answered through deliveries() under `ticket`.
    void sync(uint64_t ticket, const sync_request& req, int64_t now_ms);
    /// Heartbeat: answered at once.
    group_error heartbeat(const std::string& member_id,
                          const std::optional<std::string>& group_instance_id,
                          int32_t generation_id, int64_t now_ms);
    /// LeaveGroup for one member (v3+ sends a batch: call once per member).
    group_error leave(const std::string& member_id,
                      const std::optional<std::string>& group_instance_id, int64_t now_ms);
    /// OffsetCommit's membership check: generation -1 with an empty member id is a simple
    /// (non-group) commit and is allowed only when the group is empty.
    group_error validate_commit(const std::string& member_id,
                                const std::optional<std::string>& group_instance_id,
                                int32_t generation_id) const;
    /// Timers: session expiry, rebalance timeout, initial rebalance delay.
    void tick(int64_t now_ms);
    /// The earliest time tick() has something to do, or INT64_MAX.
    int64_t next_deadline_ms() const;
    /// DeleteGroups: only an empty group can go.
    group_error remove();

    /// Counts the transitions after which the group must be written to __consumer_offsets
    /// (Kafka's storeGroup): a completed assignment (stable), a rebalance that left the
    /// group empty, a static member's restart without rebalance. The driver writes
    /// snapshot() when this moved since its last write, before it delivers the answers.
    uint64_t store_seq() const { return _store_seq; }
    group_snapshot snapshot() const;
    /// Load a group written before a restart, into a group that has seen no event yet: no
    /// members -> empty; members -> stable with the stored generation, protocol, leader and
    /// assignments, every member's session starting at `now_ms` (Kafka's loadGroup).
    void restore(const group_snapshot& s, int64_t now_ms);

    /// Answers ready to send; the driver takes them all after each call.
    std::vector<delivery> take_deliveries();

    const std::string& group_id() const { return _group_id; }
    group_state state() const { return _state; }
    int32_t generation_id() const { return _generation; }
    const std::string& protocol_type() const { return _protocol_type; }
    const std::string& protocol_name() const { return _protocol_name; }
    const std::string& leader() const { return _leader; }
    std::vector<member_description> members() const;
    bool has_member(const std::string& member_id) const;

  private:
    /// One member (Kafka MemberMetadata). Parked requests are tickets the member is owed an
    /// answer for; every ticket is answered exactly once (deliveries()).
    struct member {
        std::string id;
        std::optional<std::string> instance_id;
        std::string client_id;
        std::string client_host;
        int32_t session_timeout_ms = 0;
        int32_t rebalance_timeout_ms = 0;
        std::string protocol_type;
        std::vector<protocol_metadata> protocols;  // in the member's order of preference
        std::vector<uint8_t> assignment;
        std::optional<uint64_t> join_ticket;  // JoinGroup parked until the rebalance completes
        std::optional<uint64_t> sync_ticket;  // SyncGroup parked until the leader's assignment
        int64_t session_deadline_ms = INT64_MAX;
        bool is_new = false;        // joined during this rebalance (MemberMetadata.isNew)
        bool pending_sync = false;  // has its join response, owes a SyncGroup (DelayedSync)
    };
    /// The group-wide timer: the join phase (DelayedJoin / InitialDelayedJoin) or the
    /// pending-sync phase (DelayedSync). Armed only in the states that use it.
    enum class timer_kind { none, initial_join, join, sync };

    // group_stm_join.cc
    void join_new_member(uint64_t ticket, const join_request& req, int64_t now_ms);
    void join_current_member(uint64_t ticket, const join_request& req, int64_t now_ms);
    void add_member_and_rebalance(uint64_t ticket, const join_request& req, const std::string& id,
                                  int64_t now_ms);
    void replace_static_member(uint64_t ticket, const join_request& req, const std::string& old_id,
                               const std::string& new_id, int64_t now_ms);
    void update_member_and_rebalance(member& m, uint64_t ticket, const join_request& req,
                                     int64_t now_ms);
    void reply_join_current(member& m, int64_t now_ms);
    bool accept_joining_member(const std::string& member_id) const;
    bool supports_protocols(const std::string& type,
                            const std::vector<protocol_metadata>& protocols) const;
    std::string select_protocol() const;
    std::string generate_member_id(const std::string& client_id,
                                   const std::optional<std::string>& instance_id);

    // group_stm_rebalance.cc
    void maybe_prepare_rebalance(int64_t now_ms);
    void prepare_rebalance(int64_t now_ms);
    void try_complete_join(int64_t now_ms);
    void complete_join(int64_t now_ms);
    bool elect_joined_leader();
    void init_next_generation(int64_t now_ms);
    void expire_pending_syncs(int64_t now_ms);
    void fire_initial_join(int64_t now_ms);
    void remove_member(const std::string& id, int64_t now_ms);
    void erase_member(const std::string& id);
    void remove_pending_member(const std::string& id, int64_t now_ms);
    void maybe_disarm_sync_timer();
    void transition_to(group_state next);
    int32_t rebalance_timeout_ms() const;

    // group_stm.cc
    void assign_and_propagate(const sync_request& req, int64_t now_ms);
    group_error validate_current_member(const std::string& member_id,
                                        const std::optional<std::string>& instance_id) const;
    bool is_protected(const member& m) const;
    void touch(member& m, int64_t now_ms);
    std::vector<join_member_info> current_member_metadata() const;
    void deliver_join(member& m, join_response resp, int64_t now_ms);
    void deliver_sync(member& m, sync_response resp, int64_t now_ms);
    void reply_join_error(uint64_t ticket, const std::string& member_id, group_error error);
    void reply_sync_error(uint64_t ticket, group_error error);

    std::string _group_id;
    group_settings _settings;
    group_state _state = group_state::empty;
    int32_t _generation = 0;
    std::string _protocol_type;
    std::string _protocol_name;
    std::string _leader;
    std::vector<delivery> _out;
    std::map<std::string, member> _members;              // member id -> member
    std::map<std::string, std::string> _static_members;  // instance id -> member id
    std::map<std::string, int64_t> _pending_members;     // MEMBER_ID_REQUIRED ids -> deadline
    timer_kind _timer = timer_kind::none;
    int64_t _rebalance_deadline_ms = INT64_MAX;
    int32_t _initial_delay_round_ms = 0;  // InitialDelayedJoin: this round's delay
    int32_t _initial_remaining_ms = 0;    // InitialDelayedJoin: what the extensions may add
    bool _new_member_added = false;       // GroupMetadata.newMemberAdded
    uint64_t _next_member_seq = 1;
    uint64_t _store_seq = 0;
};

}  // namespace sluice::group
