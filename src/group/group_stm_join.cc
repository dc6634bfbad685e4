// group_stm: JoinGroup (GroupCoordinator.handleJoinGroup and the do*JoinGroup paths),
// protocol selection and member ids.

#include <algorithm>
#include <set>
#include <string>

#include "group_stm.h"
#include "sluice/common/assert.h"

namespace sluice::group {
namespace {

// GroupCoordinator.NewMemberJoinTimeoutMs: a member that joined for the first time cannot
// heartbeat until its join completes; if the rebalance takes longer, it is dropped.
constexpr int64_t new_member_join_timeout_ms = 5 * 60 * 1000;

// MemberMetadata.matches: same protocols, same order, same metadata.
bool same_protocols(const std::vector<protocol_metadata>& a,
                    const std::vector<protocol_metadata>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].name != b[i].name || a[i].metadata != b[i].metadata) return false;
    }
    return true;
}

}  // namespace

void group_stm::join(uint64_t ticket, const join_request& req, int64_t now_ms) {
    if (req.session_timeout_ms < _settings.session_timeout_min_ms ||
        req.session_timeout_ms > _settings.session_timeout_max_ms) {
        reply_join_error(ticket, req.member_id, group_error::invalid_session_timeout);
        return;
    }
    if (!accept_joining_member(req.member_id)) {
        // The group is full (group.max.size). A known member that has not rejoined yet is
        // shed, so the members that did rejoin can complete the rebalance.
        if (_members.contains(req.member_id)) remove_member(req.member_id, now_ms);
        reply_join_error(ticket, "", group_error::group_max_size_reached);
        return;
    }
    if (_state == group_state::dead) {
        // The group was deleted: the client looks the coordinator up again.
        reply_join_error(ticket, req.member_id, group_error::coordinator_not_available);
        return;
    }
    if (req.member_id.empty()) {
        join_new_member(ticket, req, now_ms);
    } else {
        join_current_member(ticket, req, now_ms);
    }
    if (_state == group_state::preparing_rebalance) try_complete_join(now_ms);
}

// GroupCoordinator.doNewMemberJoinGroup: a join with no member id.
void group_stm::join_new_member(uint64_t ticket, const join_request& req, int64_t now_ms) {
    if (!supports_protocols(req.protocol_type, req.protocols)) {
        reply_join_error(ticket, "", group_error::inconsistent_group_protocol);
        return;
    }
    std::string id = generate_member_id(req.client_id, req.group_instance_id);
    if (req.group_instance_id) {
        auto it = _static_members.find(*req.group_instance_id);
        if (it != _static_members.end()) {
            std::string old_id = it->second;
            replace_static_member(ticket, req, old_id, id, now_ms);
        } else {
            add_member_and_rebalance(ticket, req, id, now_ms);
        }
        return;
    }
    if (req.require_known_member_id) {
        // JoinGroup v4+ (KIP-394): hand out the id first; the member counts as pending (the
        // rebalance waits for it) until it rejoins with it or its session timeout passes.
        _pending_members[id] = now_ms + req.session_timeout_ms;
        reply_join_error(ticket, id, group_error::member_id_required);
        return;
    }
    add_member_and_rebalance(ticket, req, id, now_ms);
}

// GroupCoordinator.doCurrentMemberJoinGroup: a join with a member id.
void group_stm::join_current_member(uint64_t ticket, const join_request& req, int64_t now_ms) {
    if (!supports_protocols(req.protocol_type, req.protocols)) {
        reply_join_error(ticket, req.member_id, group_error::inconsistent_group_protocol);
        return;
    }
    // Sluice: Kafka throws when a pending (always dynamic) id comes with an instance id; we
    // let validate_current_member answer it (UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID).
    if (_pending_members.contains(req.member_id) && !req.group_instance_id) {
        add_member_and_rebalance(ticket, req, req.member_id, now_ms);
        return;
    }
    if (auto err = validate_current_member(req.member_id, req.group_instance_id);
        err != group_error::none) {
        reply_join_error(ticket, req.member_id, err);
        return;
    }
    member& m = _members.at(req.member_id);
    // Joins are parked only while preparing_rebalance; every completion answers them all.
    SLUICE_ASSERT(_state == group_state::preparing_rebalance || !m.join_ticket,
                  "member %s has a parked join in state %s", m.id.c_str(), to_string(_state));
    switch (_state) {
        case group_state::preparing_rebalance:
            update_member_and_rebalance(m, ticket, req, now_ms);
            return;
        case group_state::completing_rebalance:
            if (same_protocols(m.protocols, req.protocols)) {
                // It probably lost its join response: give it again (members for the leader).
                m.join_ticket = ticket;
                reply_join_current(m, now_ms);
            } else {
                update_member_and_rebalance(m, ticket, req, now_ms);
            }
            return;
        case group_state::stable:
            // A leader's join forces a rebalance: it is how the leader reacts to changes the
            // metadata does not show (new partitions of a subscribed topic).
            if (req.member_id == _leader || !same_protocols(m.protocols, req.protocols)) {
                update_member_and_rebalance(m, ticket, req, now_ms);
            } else {
                m.join_ticket = ticket;
                reply_join_current(m, now_ms);
            }
            return;
        case group_state::empty:
        case group_state::dead:
            reply_join_error(ticket, req.member_id, group_error::unknown_member_id);
            return;
    }
}

// The current generation's answer to a member that rejoined without changes.
void group_stm::reply_join_current(member& m, int64_t now_ms) {
    join_response resp;
    resp.generation_id = _generation;
    resp.protocol_type = _protocol_type;
    resp.protocol_name = _protocol_name;
    resp.leader = _leader;
    resp.member_id = m.id;
    if (_state == group_state::completing_rebalance && m.id == _leader) {
        resp.members = current_member_metadata();
    }
    deliver_join(m, std::move(resp), now_ms);
}

// GroupCoordinator.addMemberAndRebalance.
void group_stm::add_member_and_rebalance(uint64_t ticket, const join_request& req,
                                         const std::string& id, int64_t now_ms) {
    member m;
    m.id = id;
    m.instance_id = req.group_instance_id;
    m.client_id = req.client_id;
    m.client_host = req.client_host;
    m.session_timeout_ms = req.session_timeout_ms;
    m.rebalance_timeout_ms = req.rebalance_timeout_ms;
    m.protocol_type = req.protocol_type;
    m.protocols = req.protocols;
    m.join_ticket = ticket;
    m.is_new = true;
    m.session_deadline_ms = now_ms + new_member_join_timeout_ms;
    // Only a group's first rebalance is stretched by newcomers (InitialDelayedJoin).
    if (_state == group_state::preparing_rebalance && _generation == 0) _new_member_added = true;
    if (_members.empty()) _protocol_type = req.protocol_type;
    if (_leader.empty()) _leader = id;
    if (m.instance_id) {
        SLUICE_ASSERT(!_static_members.contains(*m.instance_id), "instance %s already mapped",
                      m.instance_id->c_str());
        _static_members[*m.instance_id] = id;
    }
    _pending_members.erase(id);
    SLUICE_ASSERT(!_members.contains(id), "member id %s reused", id.c_str());
    _members.emplace(id, std::move(m));
    maybe_prepare_rebalance(now_ms);
}

// GroupCoordinator.updateStaticMemberAndRebalance (KIP-345): a known group.instance.id
// joins without a member id, i.e. the instance restarted. The member keeps its place and
// assignment under a new id; the old id is fenced, and whatever it still waits for is
// answered FENCED_INSTANCE_ID.
void group_stm::replace_static_member(uint64_t ticket, const join_request& req,
                                      const std::string& old_id, const std::string& new_id,
                                      int64_t now_ms) {
    const std::string old_leader = _leader;
    auto node = _members.extract(old_id);
    SLUICE_ASSERT(!node.empty(), "static member %s missing", old_id.c_str());
    member& m = node.mapped();
    if (m.join_ticket) {
        reply_join_error(*m.join_ticket, old_id, group_error::fenced_instance_id);
        m.join_ticket.reset();
    }
    if (m.sync_ticket) {
        reply_sync_error(*m.sync_ticket, group_error::fenced_instance_id);
        m.sync_ticket.reset();
    }
    m.id = new_id;
    node.key() = new_id;
    _members.insert(std::move(node));
    member& cur = _members.at(new_id);
    if (_leader == old_id) _leader = new_id;
    _static_members[*req.group_instance_id] = new_id;
    cur.protocols = req.protocols;
    cur.session_timeout_ms = req.session_timeout_ms;
    cur.rebalance_timeout_ms = req.rebalance_timeout_ms;
    cur.join_ticket = ticket;
    touch(cur, now_ms);

    switch (_state) {
        case group_state::stable:
            if (select_protocol() == _protocol_name) {
                // No rebalance. The answer names the leader as it was before the swap, so a
                // static leader coming back sees a leader id that is not its own and does
                // not run the assignor (an assignment a stable group would not spread).
                join_response resp;
                resp.generation_id = _generation;
                resp.protocol_type = _protocol_type;
                resp.protocol_name = _protocol_name;
                resp.leader = old_leader;
                resp.member_id = new_id;
                ++_store_seq;
                deliver_join(cur, std::move(resp), now_ms);
            } else {
                maybe_prepare_rebalance(now_ms);
            }
            return;
        case group_state::completing_rebalance:
            // The leader may already be assigning to the old id: start over.
            prepare_rebalance(now_ms);
            return;
        case group_state::preparing_rebalance:
            return;  // it now waits for the join to complete like everybody else
        case group_state::empty:
        case group_state::dead:
            SLUICE_ASSERT(false, "group %s: static member %s in state %s", _group_id.c_str(),
                          old_id.c_str(), to_string(_state));
    }
}

// GroupCoordinator.updateMemberAndRebalance.
void group_stm::update_member_and_rebalance(member& m, uint64_t ticket, const join_request& req,
                                            int64_t now_ms) {
    m.protocols = req.protocols;
    m.session_timeout_ms = req.session_timeout_ms;
    m.rebalance_timeout_ms = req.rebalance_timeout_ms;
    if (m.join_ticket) {
        // Sluice: Kafka replaces the callback and drops the old one; we answer it.
        reply_join_error(*m.join_ticket, m.id, group_error::rebalance_in_progress);
    }
    m.join_ticket = ticket;
    if (!m.is_new) touch(m, now_ms);
    maybe_prepare_rebalance(now_ms);
}

// GroupCoordinator.acceptJoiningMember (group.max.size).
bool group_stm::accept_joining_member(const std::string& member_id) const {
    const auto max = static_cast<size_t>(std::max(_settings.max_size, 0));
    auto it = _members.find(member_id);
    switch (_state) {
        case group_state::empty:
        case group_state::dead:
            return true;
        case group_state::preparing_rebalance: {
            // Count the members that rejoined: the group may already be over the limit.
            if (it != _members.end() && it->second.join_ticket) return true;
            size_t awaiting = 0;
            for (const auto& [id, m] : _members) awaiting += m.join_ticket ? 1 : 0;
            return awaiting < max;
        }
        case group_state::completing_rebalance:
        case group_state::stable:
            return it != _members.end() || _members.size() < max;
    }
    return false;
}

// GroupMetadata.supportsProtocols: an empty group takes any protocol type; otherwise the
// type must match and one of the protocols must be supported by every member.
bool group_stm::supports_protocols(const std::string& type,
                                   const std::vector<protocol_metadata>& protocols) const {
    if (_state == group_state::empty) return !type.empty() && !protocols.empty();
    if (type != _protocol_type) return false;
    for (const auto& p : protocols) {
        bool everyone = std::all_of(_members.begin(), _members.end(), [&](const auto& kv) {
            const auto& mine = kv.second.protocols;
            return std::any_of(mine.begin(), mine.end(),
                               [&](const protocol_metadata& q) { return q.name == p.name; });
        });
        if (everyone) return true;
    }
    return false;
}

// GroupMetadata.selectProtocol: among the protocols every member supports, each member
// votes for the first one in its own order; most votes wins (Sluice: a tie goes to the
// smallest name, where Kafka's pick depends on hash order).
std::string group_stm::select_protocol() const {
    SLUICE_ASSERT(!_members.empty(), "group %s: no members to select a protocol",
                  _group_id.c_str());
    std::set<std::string> candidates;
    for (const auto& p : _members.begin()->second.protocols) candidates.insert(p.name);
    for (const auto& [id, m] : _members) {
        std::set<std::string> mine;
        for (const auto& p : m.protocols) {
            if (candidates.contains(p.name)) mine.insert(p.name);
        }
        candidates.swap(mine);
    }
    SLUICE_ASSERT(!candidates.empty(), "group %s: no common protocol", _group_id.c_str());
    std::map<std::string, int> votes;
    for (const auto& [id, m] : _members) {
        for (const auto& p : m.protocols) {
            if (candidates.contains(p.name)) {
                ++votes[p.name];
                break;
            }
        }
    }
    std::string best;
    int best_votes = -1;
    for (const auto& [name, n] : votes) {
        if (n > best_votes) {
            best = name;
            best_votes = n;
        }
    }
    return best;
}

// Kafka: "<client.id>-<uuid>" (dynamic) or "<group.instance.id>-<uuid>" (static). Here the
// suffix is a group-local sequence, so ids are deterministic; skipping the taken ones keeps
// them unique even if members were restored under ids this sequence could produce.
std::string group_stm::generate_member_id(const std::string& client_id,
                                          const std::optional<std::string>& instance_id) {
    const std::string& prefix = instance_id ? *instance_id : client_id;
    for (;;) {
        std::string id = prefix + "-";
        if (!_settings.member_id_nonce.empty()) id += _settings.member_id_nonce + "-";
        id += std::to_string(_next_member_seq++);
        if (!_members.contains(id) && !_pending_members.contains(id)) return id;
    }
}

}  // namespace sluice::group
