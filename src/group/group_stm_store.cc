// group_stm's persisted form: what goes into GroupMetadataValue and how a group comes back
// from it after a restart (Kafka's GroupMetadataManager.storeGroup / loadGroup).

#include <set>

#include "group_stm.h"
#include "sluice/common/assert.h"

namespace sluice::group {

group_snapshot group_stm::snapshot() const {
    group_snapshot s;
    s.protocol_type = _protocol_type;
    s.generation = _generation;
    if (_state == group_state::empty || _state == group_state::dead) return s;
    s.protocol_name = _protocol_name;
    s.leader = _leader;
    for (const auto& [id, m] : _members) {
        group_snapshot::member_record r;
        r.member_id = id;
        r.group_instance_id = m.instance_id;
        r.client_id = m.client_id;
        r.client_host = m.client_host;
        r.rebalance_timeout_ms = m.rebalance_timeout_ms;
        r.session_timeout_ms = m.session_timeout_ms;
        for (const auto& p : m.protocols) {
            if (p.name == _protocol_name) r.subscription = p.metadata;
        }
        r.assignment = m.assignment;
        s.members.push_back(std::move(r));
    }
    return s;
}

void group_stm::restore(const group_snapshot& s, int64_t now_ms) {
    SLUICE_ASSERT(_state == group_state::empty && _generation == 0 && _members.empty(),
                  "group %s restored after it saw events", _group_id.c_str());
    _protocol_type = s.protocol_type;
    _generation = s.generation;
    bool leader_found = false;
    bool unique = true;
    std::set<std::string> ids, instances;
    for (const auto& r : s.members) {
        leader_found |= r.member_id == s.leader;
        unique &= ids.insert(r.member_id).second;
        if (r.group_instance_id) unique &= instances.insert(*r.group_instance_id).second;
    }
    if (s.members.empty() || s.protocol_name.empty() || !leader_found || !unique) {
        // Written empty, or a record that would break the stable group's invariants (no
        // protocol, a leader who is not a member, a member twice): the members rejoin and
        // rebalance.
        _protocol_name.clear();
        _leader.clear();
        return;
    }
    _protocol_name = s.protocol_name;
    _leader = s.leader;
    for (const auto& r : s.members) {
        member m;
        m.id = r.member_id;
        m.instance_id = r.group_instance_id;
        m.client_id = r.client_id;
        m.client_host = r.client_host;
        m.session_timeout_ms = r.session_timeout_ms;
        m.rebalance_timeout_ms = r.rebalance_timeout_ms;
        m.protocol_type = s.protocol_type;
        m.protocols = {{s.protocol_name, r.subscription}};
        m.assignment = r.assignment;
        touch(m, now_ms);
        if (m.instance_id) _static_members[*m.instance_id] = m.id;
        _members.emplace(m.id, std::move(m));
    }
    _state = group_state::stable;
}

}  // namespace sluice::group
