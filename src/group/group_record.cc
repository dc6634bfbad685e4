#include "group_record.h"

#include "sluice/protocol/messages/consumer_offsets.h"

namespace sluice::group {

namespace {
constexpr int16_t key_version = 2;
constexpr int16_t value_version = 3;  // Kafka 3.x's highest non-flexible version
}  // namespace

bool is_group_record_key(std::span<const uint8_t> key) {
    auto v = protocol::peek_version(key);
    return v && *v == key_version;
}

std::vector<uint8_t> group_record_key(const std::string& group) {
    protocol::group_metadata_key k;
    k.group = group;
    return protocol::encode_versioned(k, key_version);
}

std::vector<uint8_t> group_record_value(const group_snapshot& s, int64_t now_wall_ms) {
    protocol::group_metadata_value v;
    v.protocol_type = s.protocol_type;
    v.generation = s.generation;
    v.current_state_timestamp = now_wall_ms;
    if (s.members.empty()) {
        v.protocol = std::nullopt;
        v.leader = std::nullopt;
    } else {
        v.protocol = s.protocol_name;
        v.leader = s.leader;
    }
    for (const auto& m : s.members) {
        protocol::group_metadata_member w;
        w.member_id = m.member_id;
        w.group_instance_id = m.group_instance_id;
        w.client_id = m.client_id;
        w.client_host = m.client_host;
        w.rebalance_timeout = m.rebalance_timeout_ms;
        w.session_timeout = m.session_timeout_ms;
        w.subscription = m.subscription;
        w.assignment = m.assignment;
        v.members.push_back(std::move(w));
    }
    return protocol::encode_versioned(v, value_version);
}

bool group_record_loader::apply(std::span<const uint8_t> key,
                                std::optional<std::span<const uint8_t>> value) {
    auto k = protocol::decode_versioned<protocol::group_metadata_key>(key);
    if (!k) return false;
    if (!value) {
        _groups.erase(k->value.group);
        return true;
    }
    auto v = protocol::decode_versioned<protocol::group_metadata_value>(*value);
    if (!v) return false;
    group_snapshot s;
    s.protocol_type = v->value.protocol_type;
    s.generation = v->value.generation;
    s.protocol_name = v->value.protocol.value_or("");
    s.leader = v->value.leader.value_or("");
    for (auto& m : v->value.members) {
        group_snapshot::member_record r;
        r.member_id = std::move(m.member_id);
        r.group_instance_id = std::move(m.group_instance_id);
        r.client_id = std::move(m.client_id);
        r.client_host = std::move(m.client_host);
        r.session_timeout_ms = m.session_timeout;
        r.rebalance_timeout_ms = m.rebalance_timeout >= 0 ? m.rebalance_timeout : m.session_timeout;
        r.subscription.assign(m.subscription.begin(), m.subscription.end());
        r.assignment.assign(m.assignment.begin(), m.assignment.end());
        s.members.push_back(std::move(r));
    }
    _groups[k->value.group] = std::move(s);
    return true;
}

}  // namespace sluice::group
