// group_stm: the rebalance itself. Preparing (waiting for the members to rejoin:
// GroupCoordinator.prepareRebalance, DelayedJoin, InitialDelayedJoin), completing it
// (onCompleteJoin, GroupMetadata.initNextGeneration), the members that never send their
// SyncGroup (DelayedSync), and removing members.

#include <algorithm>
#include <string>
#include <vector>

#include "group_stm.h"
#include "sluice/common/assert.h"

namespace sluice::group {

// GroupCoordinator.maybePrepareRebalance: only from a state PreparingRebalance may follow.
void group_stm::maybe_prepare_rebalance(int64_t now_ms) {
    if (_state == group_state::stable || _state == group_state::completing_rebalance ||
        _state == group_state::empty) {
        prepare_rebalance(now_ms);
    }
}

void group_stm::prepare_rebalance(int64_t now_ms) {
    if (_state == group_state::completing_rebalance) {
        // Members waiting for the leader's assignment rejoin instead
        // (resetAndPropagateAssignmentError).
        for (auto& [id, m] : _members) {
            m.assignment.clear();
            if (m.sync_ticket) {
                sync_response resp;
                resp.error = group_error::rebalance_in_progress;
                deliver_sync(m, std::move(resp), now_ms);
            }
        }
    }
    for (auto& [id, m] : _members) m.pending_sync = false;
    if (_state == group_state::empty) {
        // InitialDelayedJoin: a new group waits group.initial.rebalance.delay.ms so that
        // consumers starting together land in one generation instead of several.
        const int32_t delay = std::max(_settings.initial_rebalance_delay_ms, 0);
        _timer = timer_kind::initial_join;
        _initial_delay_round_ms = delay;
        _initial_remaining_ms = std::max(rebalance_timeout_ms() - delay, 0);
        _new_member_added = false;
        _rebalance_deadline_ms = now_ms + delay;
    } else {
        _timer = timer_kind::join;
        _rebalance_deadline_ms = now_ms + rebalance_timeout_ms();
    }
    transition_to(group_state::preparing_rebalance);
    if (_timer == timer_kind::join) try_complete_join(now_ms);
}

// DelayedJoin.tryComplete: done once every member rejoined and no MEMBER_ID_REQUIRED id
// is outstanding. The initial delay is never cut short.
void group_stm::try_complete_join(int64_t now_ms) {
    if (_state != group_state::preparing_rebalance || _timer != timer_kind::join) return;
    if (!_pending_members.empty()) return;
    for (const auto& [id, m] : _members) {
        if (!m.join_ticket) return;
    }
    complete_join(now_ms);
}

// InitialDelayedJoin.onComplete: while newcomers keep arriving, wait another round, until
// the rounds add up to the rebalance timeout.
void group_stm::fire_initial_join(int64_t now_ms) {
    if (_new_member_added && _initial_remaining_ms != 0) {
        _new_member_added = false;
        const int32_t delay =
            std::min(std::max(_settings.initial_rebalance_delay_ms, 0), _initial_remaining_ms);
        _initial_remaining_ms = std::max(_initial_remaining_ms - _initial_delay_round_ms, 0);
        _initial_delay_round_ms = delay;
        _rebalance_deadline_ms = now_ms + delay;
        return;
    }
    complete_join(now_ms);
}

// GroupCoordinator.onCompleteJoin: dynamic members that did not rejoin are dropped (static
// ones stay: KIP-345 lets them be away for up to their session timeout).
void group_stm::complete_join(int64_t now_ms) {
    SLUICE_ASSERT(_state == group_state::preparing_rebalance, "group %s: complete join in %s",
                  _group_id.c_str(), to_string(_state));
    std::vector<std::string> gone;
    for (const auto& [id, m] : _members) {
        if (!m.join_ticket && !m.instance_id) gone.push_back(id);
    }
    for (const auto& id : gone) {
        SLUICE_ASSERT(!_members.at(id).sync_ticket, "member %s: parked sync while preparing",
                      id.c_str());
        erase_member(id);
    }
    if (!elect_joined_leader() && !_members.empty()) {
        // Only static members that have not rejoined are left: wait another round; their
        // sessions remove them if they are really gone.
        _timer = timer_kind::join;
        _rebalance_deadline_ms = now_ms + std::max(rebalance_timeout_ms(), 1);
        return;
    }
    init_next_generation(now_ms);
}

// GroupMetadata.maybeElectNewJoinedLeader: keep the leader if it rejoined, else take a
// member that did. False when nobody rejoined (or there is nobody).
bool group_stm::elect_joined_leader() {
    if (_leader.empty()) return false;
    if (_members.at(_leader).join_ticket) return true;
    for (const auto& [id, m] : _members) {
        if (m.join_ticket) {
            _leader = id;
            return true;
        }
    }
    return false;
}

// GroupMetadata.initNextGeneration plus the join answers of onCompleteJoin: every member
// learns the generation, the protocol and the leader; the leader also gets everybody's
// metadata to compute the assignment. Then each member owes a SyncGroup within the
// rebalance timeout.
void group_stm::init_next_generation(int64_t now_ms) {
    ++_generation;
    if (_members.empty()) {
        _protocol_name.clear();
        _leader.clear();
        _timer = timer_kind::none;
        _rebalance_deadline_ms = INT64_MAX;
        transition_to(group_state::empty);
        ++_store_seq;
        return;
    }
    _protocol_name = select_protocol();
    transition_to(group_state::completing_rebalance);
    const std::vector<join_member_info> all = current_member_metadata();
    for (auto& [id, m] : _members) {
        if (m.join_ticket) {
            join_response resp;
            resp.generation_id = _generation;
            resp.protocol_type = _protocol_type;
            resp.protocol_name = _protocol_name;
            resp.leader = _leader;
            resp.member_id = id;
            if (id == _leader) resp.members = all;
            deliver_join(m, std::move(resp), now_ms);
        } else {
            touch(m, now_ms);
        }
        m.is_new = false;
        m.pending_sync = true;
    }
    _timer = timer_kind::sync;
    _rebalance_deadline_ms = now_ms + rebalance_timeout_ms();
}

// GroupCoordinator.onExpirePendingSync: members that got their join answer but never sent
// SyncGroup are dropped and the group rebalances without them.
void group_stm::expire_pending_syncs(int64_t now_ms) {
    SLUICE_ASSERT(_state == group_state::completing_rebalance || _state == group_state::stable,
                  "group %s: sync timer in %s", _group_id.c_str(), to_string(_state));
    std::vector<std::string> gone;
    for (const auto& [id, m] : _members) {
        if (m.pending_sync) gone.push_back(id);
    }
    if (gone.empty()) {
        _timer = timer_kind::none;
        _rebalance_deadline_ms = INT64_MAX;
        return;
    }
    for (const auto& id : gone) {
        const member& m = _members.at(id);
        SLUICE_ASSERT(!m.join_ticket && !m.sync_ticket, "member %s owes a sync but is parked",
                      id.c_str());
        erase_member(id);
    }
    prepare_rebalance(now_ms);
}

// GroupCoordinator.removeMemberAndUpdateGroup (leave, session expiry, a full group).
void group_stm::remove_member(const std::string& id, int64_t now_ms) {
    member& m = _members.at(id);
    // The consumer retries the join with no member id if it is still alive.
    if (m.join_ticket) reply_join_error(*m.join_ticket, "", group_error::unknown_member_id);
    // Sluice: Kafka drops a removed member's parked sync; we answer it.
    if (m.sync_ticket) reply_sync_error(*m.sync_ticket, group_error::unknown_member_id);
    erase_member(id);
    switch (_state) {
        case group_state::stable:
        case group_state::completing_rebalance:
            maybe_prepare_rebalance(now_ms);
            break;
        case group_state::preparing_rebalance:
            try_complete_join(now_ms);
            break;
        case group_state::empty:
        case group_state::dead:
            break;
    }
}

// GroupMetadata.remove: no answers, no state change; the leader passes to another member.
void group_stm::erase_member(const std::string& id) {
    auto it = _members.find(id);
    SLUICE_ASSERT(it != _members.end(), "group %s: no member %s", _group_id.c_str(), id.c_str());
    if (it->second.instance_id) _static_members.erase(*it->second.instance_id);
    _members.erase(it);
    if (_leader == id) _leader = _members.empty() ? std::string() : _members.begin()->first;
}

void group_stm::remove_pending_member(const std::string& id, int64_t now_ms) {
    _pending_members.erase(id);
    if (_state == group_state::preparing_rebalance) try_complete_join(now_ms);
}

void group_stm::maybe_disarm_sync_timer() {
    if (_timer != timer_kind::sync) return;
    for (const auto& [id, m] : _members) {
        if (m.pending_sync) return;
    }
    _timer = timer_kind::none;
    _rebalance_deadline_ms = INT64_MAX;
}

// GroupState.validPreviousStates.
void group_stm::transition_to(group_state next) {
    bool ok = false;
    switch (next) {
        case group_state::preparing_rebalance:
            ok = _state == group_state::stable || _state == group_state::completing_rebalance ||
                 _state == group_state::empty;
            break;
        case group_state::completing_rebalance:
        case group_state::empty:
            ok = _state == group_state::preparing_rebalance;
            break;
        case group_state::stable:
            ok = _state == group_state::completing_rebalance;
            break;
        case group_state::dead:
            ok = _state == group_state::empty;
            break;
    }
    SLUICE_ASSERT(ok, "group %s: no transition %s -> %s", _group_id.c_str(), to_string(_state),
                  to_string(next));
    _state = next;
}

// GroupMetadata.rebalanceTimeoutMs: the longest any member asked for.
int32_t group_stm::rebalance_timeout_ms() const {
    int32_t t = 0;
    for (const auto& [id, m] : _members) t = std::max(t, m.rebalance_timeout_ms);
    return t;
}

}  // namespace sluice::group
