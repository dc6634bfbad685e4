// group_stm: the requests other than JoinGroup (SyncGroup, Heartbeat, LeaveGroup, the commit
// check, DeleteGroups), the timers and the delivery helpers. JoinGroup is in
// group_stm_join.cc, the rebalance phases in group_stm_rebalance.cc. Behaviour follows
// Kafka's GroupCoordinator (classic protocol); deviations are marked "Sluice:".

#include "group_stm.h"

#include <algorithm>
#include <utility>

#include "sluice/common/assert.h"

namespace sluice::group {

const char* to_string(group_state s) {
    // Kafka's names: DescribeGroups and ListGroups put them on the wire.
    switch (s) {
        case group_state::empty:
            return "Empty";
        case group_state::preparing_rebalance:
            return "PreparingRebalance";
        case group_state::completing_rebalance:
            return "CompletingRebalance";
        case group_state::stable:
            return "Stable";
        case group_state::dead:
            return "Dead";
    }
    return "Unknown";
}

group_stm::group_stm(std::string group_id, group_settings settings)
    : _group_id(std::move(group_id)), _settings(settings) {}

// SyncGroup (GroupCoordinator.doSyncGroup).
void group_stm::sync(uint64_t ticket, const sync_request& req, int64_t now_ms) {
    if (_state == group_state::dead) {
        reply_sync_error(ticket, group_error::coordinator_not_available);
        return;
    }
    if (auto err = validate_current_member(req.member_id, req.group_instance_id);
        err != group_error::none) {
        reply_sync_error(ticket, err);
        return;
    }
    if (req.generation_id != _generation) {
        reply_sync_error(ticket, group_error::illegal_generation);
        return;
    }
    member& m = _members.at(req.member_id);
    switch (_state) {
        case group_state::empty:
        case group_state::dead:
            reply_sync_error(ticket, group_error::unknown_member_id);
            return;
        case group_state::preparing_rebalance:
            reply_sync_error(ticket, group_error::rebalance_in_progress);
            return;
        case group_state::completing_rebalance: {
            if (m.sync_ticket) {
                // Sluice: Kafka silently drops the older callback (its connection is gone);
                // we answer it so every ticket gets exactly one delivery.
                reply_sync_error(*m.sync_ticket, group_error::rebalance_in_progress);
            }
            m.sync_ticket = ticket;
            m.pending_sync = false;
            maybe_disarm_sync_timer();
            if (req.member_id == _leader) assign_and_propagate(req, now_ms);
            return;
        }
        case group_state::stable: {
            SLUICE_ASSERT(!m.sync_ticket, "stable group %s has a parked sync", _group_id.c_str());
            m.pending_sync = false;
            maybe_disarm_sync_timer();
            m.sync_ticket = ticket;
            sync_response resp;
            resp.protocol_type = _protocol_type;
            resp.protocol_name = _protocol_name;
            resp.assignment = m.assignment;
            deliver_sync(m, std::move(resp), now_ms);
            return;
        }
    }
}

// The leader's SyncGroup while completing (GroupCoordinator.setAndPropagateAssignment):
// members it left out get an empty assignment; entries for ids that are not members are
// ignored; a repeated id: the last one wins. Every waiting member gets its share.
void group_stm::assign_and_propagate(const sync_request& req, int64_t now_ms) {
    for (auto& [id, m] : _members) m.assignment.clear();
    for (const auto& a : req.assignments) {
        auto it = _members.find(a.member_id);
        if (it != _members.end()) it->second.assignment = a.assignment;
    }
    transition_to(group_state::stable);
    ++_store_seq;
    for (auto& [id, m] : _members) {
        if (!m.sync_ticket) continue;
        sync_response resp;
        resp.protocol_type = _protocol_type;
        resp.protocol_name = _protocol_name;
        resp.assignment = m.assignment;
        deliver_sync(m, std::move(resp), now_ms);
    }
}

// Heartbeat (GroupCoordinator.handleHeartbeat): any valid heartbeat counts as liveness,
// even the ones answered with REBALANCE_IN_PROGRESS.
group_error group_stm::heartbeat(const std::string& member_id,
                                 const std::optional<std::string>& group_instance_id,
                                 int32_t generation_id, int64_t now_ms) {
    if (_state == group_state::dead) return group_error::coordinator_not_available;
    if (auto err = validate_current_member(member_id, group_instance_id);
        err != group_error::none) {
        return err;
    }
    if (generation_id != _generation) return group_error::illegal_generation;
    member& m = _members.at(member_id);
    switch (_state) {
        case group_state::empty:
        case group_state::dead:
            return group_error::unknown_member_id;
        case group_state::completing_rebalance:
            // Consumers may heartbeat between their join and sync responses: a normal one.
            touch(m, now_ms);
            return group_error::none;
        case group_state::preparing_rebalance:
            touch(m, now_ms);
            return group_error::rebalance_in_progress;
        case group_state::stable:
            touch(m, now_ms);
            return group_error::none;
    }
    return group_error::none;
}

// LeaveGroup for one member identity (GroupCoordinator.handleLeaveGroup).
group_error group_stm::leave(const std::string& member_id,
                             const std::optional<std::string>& group_instance_id, int64_t now_ms) {
    if (_state == group_state::dead) return group_error::coordinator_not_available;
    if (member_id.empty()) {
        // Administrative removal of a static member by its instance id (KIP-345).
        if (!group_instance_id) return group_error::unknown_member_id;
        auto it = _static_members.find(*group_instance_id);
        if (it == _static_members.end()) return group_error::unknown_member_id;
        std::string current = it->second;
        remove_member(current, now_ms);
        return group_error::none;
    }
    if (_pending_members.contains(member_id)) {
        remove_pending_member(member_id, now_ms);
        return group_error::none;
    }
    if (auto err = validate_current_member(member_id, group_instance_id);
        err != group_error::none) {
        return err;
    }
    remove_member(member_id, now_ms);
    return group_error::none;
}

// OffsetCommit's membership check (GroupCoordinator.validateOffsetCommit, then the state
// check of doCommitOffsets). Const: unlike Kafka, a commit does not refresh the session.
group_error group_stm::validate_commit(const std::string& member_id,
                                       const std::optional<std::string>& group_instance_id,
                                       int32_t generation_id) const {
    if (_state == group_state::dead) return group_error::coordinator_not_available;
    if (generation_id < 0 && _state == group_state::empty) return group_error::none;
    if (generation_id >= 0 || !member_id.empty() || group_instance_id) {
        if (auto err = validate_current_member(member_id, group_instance_id);
            err != group_error::none) {
            return err;
        }
        if (generation_id != _generation) return group_error::illegal_generation;
    } else {
        // A simple commit (generation -1, no member) into a group with members: only
        // members may commit there.
        return group_error::unknown_member_id;
    }
    if (_state == group_state::completing_rebalance) return group_error::rebalance_in_progress;
    return group_error::none;
}

group_error group_stm::remove() {
    switch (_state) {
        case group_state::dead:
            return group_error::group_id_not_found;
        case group_state::empty:
            _pending_members.clear();
            transition_to(group_state::dead);
            return group_error::none;
        case group_state::preparing_rebalance:
        case group_state::completing_rebalance:
        case group_state::stable:
            return group_error::non_empty_group;
    }
    return group_error::non_empty_group;
}

// Timers fire in deadline order, one at a time, until none is due; each firing removes or
// moves its deadline past now, so the loop ends. On equal deadlines members go first.
void group_stm::tick(int64_t now_ms) {
    for (;;) {
        enum class what { nothing, session, pending, group } due = what::nothing;
        int64_t best = INT64_MAX;
        std::string id;
        for (const auto& [mid, m] : _members) {
            if (!is_protected(m) && m.session_deadline_ms < best) {
                best = m.session_deadline_ms;
                due = what::session;
                id = mid;
            }
        }
        for (const auto& [pid, deadline] : _pending_members) {
            if (deadline < best) {
                best = deadline;
                due = what::pending;
                id = pid;
            }
        }
        if (_timer != timer_kind::none && _rebalance_deadline_ms < best) {
            best = _rebalance_deadline_ms;
            due = what::group;
        }
        if (due == what::nothing || best > now_ms) return;
        switch (due) {
            case what::session:
                remove_member(id, now_ms);  // GroupCoordinator.onExpireHeartbeat
                break;
            case what::pending:
                remove_pending_member(id, now_ms);
                break;
            case what::group:
                if (_timer == timer_kind::initial_join) {
                    fire_initial_join(now_ms);
                } else if (_timer == timer_kind::join) {
                    complete_join(now_ms);  // DelayedJoin expired: go on without the rest
                } else {
                    expire_pending_syncs(now_ms);
                }
                break;
            case what::nothing:
                return;
        }
    }
}

int64_t group_stm::next_deadline_ms() const {
    int64_t best = INT64_MAX;
    for (const auto& [id, m] : _members) {
        if (!is_protected(m)) best = std::min(best, m.session_deadline_ms);
    }
    for (const auto& [id, deadline] : _pending_members) best = std::min(best, deadline);
    if (_timer != timer_kind::none) best = std::min(best, _rebalance_deadline_ms);
    return best;
}

std::vector<delivery> group_stm::take_deliveries() {
    std::vector<delivery> out;
    out.swap(_out);
    return out;
}

// Like Kafka's GroupSummary: protocol metadata and assignments only while stable.
std::vector<member_description> group_stm::members() const {
    std::vector<member_description> out;
    out.reserve(_members.size());
    for (const auto& [id, m] : _members) {
        member_description d;
        d.member_id = id;
        d.group_instance_id = m.instance_id;
        d.client_id = m.client_id;
        d.client_host = m.client_host;
        if (_state == group_state::stable) {
            for (const auto& p : m.protocols) {
                if (p.name == _protocol_name) {
                    d.metadata = p.metadata;
                    break;
                }
            }
            d.assignment = m.assignment;
        }
        out.push_back(std::move(d));
    }
    return out;
}

bool group_stm::has_member(const std::string& member_id) const {
    return _members.contains(member_id);
}

// GroupCoordinator.validateCurrentMember: a given instance id must map to this member id
// (else the caller is a fenced duplicate), and the member id must be in the group.
group_error group_stm::validate_current_member(
    const std::string& member_id, const std::optional<std::string>& instance_id) const {
    if (instance_id) {
        auto it = _static_members.find(*instance_id);
        if (it == _static_members.end()) return group_error::unknown_member_id;
        if (it->second != member_id) return group_error::fenced_instance_id;
    }
    if (!_members.contains(member_id)) return group_error::unknown_member_id;
    return group_error::none;
}

// MemberMetadata.hasSatisfiedHeartbeat: a member waiting in a rebalance (a parked join or
// sync) cannot heartbeat, so its session does not run; a new member's does (it gets
// NewMemberJoinTimeoutMs), so a client that vanished during its first join goes away.
bool group_stm::is_protected(const member& m) const {
    return !m.is_new && (m.join_ticket || m.sync_ticket);
}

void group_stm::touch(member& m, int64_t now_ms) {
    m.session_deadline_ms = now_ms + m.session_timeout_ms;
}

// GroupMetadata.currentMemberMetadata: what the leader needs to compute the assignment.
std::vector<join_member_info> group_stm::current_member_metadata() const {
    std::vector<join_member_info> out;
    out.reserve(_members.size());
    for (const auto& [id, m] : _members) {
        join_member_info info;
        info.member_id = id;
        info.group_instance_id = m.instance_id;
        for (const auto& p : m.protocols) {
            if (p.name == _protocol_name) {
                info.metadata = p.metadata;
                break;
            }
        }
        out.push_back(std::move(info));
    }
    return out;
}

// Answers a member's parked join; its session starts again from now (Kafka reschedules the
// heartbeat when it completes a join).
void group_stm::deliver_join(member& m, join_response resp, int64_t now_ms) {
    SLUICE_ASSERT(m.join_ticket.has_value(), "member %s has no parked join", m.id.c_str());
    _out.push_back(delivery{*m.join_ticket, std::move(resp), std::nullopt});
    m.join_ticket.reset();
    touch(m, now_ms);
}

void group_stm::deliver_sync(member& m, sync_response resp, int64_t now_ms) {
    SLUICE_ASSERT(m.sync_ticket.has_value(), "member %s has no parked sync", m.id.c_str());
    _out.push_back(delivery{*m.sync_ticket, std::nullopt, std::move(resp)});
    m.sync_ticket.reset();
    touch(m, now_ms);
}

void group_stm::reply_join_error(uint64_t ticket, const std::string& member_id, group_error error) {
    join_response resp;
    resp.error = error;
    resp.member_id = member_id;
    _out.push_back(delivery{ticket, std::move(resp), std::nullopt});
}

void group_stm::reply_sync_error(uint64_t ticket, group_error error) {
    sync_response resp;
    resp.error = error;
    _out.push_back(delivery{ticket, std::nullopt, std::move(resp)});
}

}  // namespace sluice::group
