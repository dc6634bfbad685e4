#include "offset_store.h"

#include "sluice/protocol/messages/consumer_offsets.h"

namespace sluice::group {

void offset_store::put(const std::string& group, const partition_key& tp, committed_offset o) {
    _groups[group][tp] = std::move(o);
}

void offset_store::erase(const std::string& group, const partition_key& tp) {
    auto it = _groups.find(group);
    if (it == _groups.end()) return;
    it->second.erase(tp);
    if (it->second.empty()) _groups.erase(it);
}

void offset_store::erase_group(const std::string& group) {
    _groups.erase(group);
}

std::optional<committed_offset> offset_store::get(const std::string& group,
                                                  const partition_key& tp) const {
    auto it = _groups.find(group);
    if (it == _groups.end()) return std::nullopt;
    auto p = it->second.find(tp);
    if (p == it->second.end()) return std::nullopt;
    return p->second;
}

const group_offsets* offset_store::offsets_of(const std::string& group) const {
    auto it = _groups.find(group);
    return it == _groups.end() ? nullptr : &it->second;
}

std::vector<std::string> offset_store::groups() const {
    std::vector<std::string> out;
    for (const auto& [g, o] : _groups) out.push_back(g);
    return out;
}

std::vector<partition_key> offset_store::expired(const std::string& group, int64_t now_ms,
                                                 int64_t retention_ms) const {
    std::vector<partition_key> out;
    const group_offsets* offs = offsets_of(group);
    if (!offs || retention_ms < 0) return out;
    for (const auto& [tp, o] : *offs) {
        if (o.commit_timestamp_ms + retention_ms < now_ms) out.push_back(tp);
    }
    return out;
}

std::vector<uint8_t> offset_store::record_key(const std::string& group, const partition_key& tp) {
    protocol::offset_commit_key k;
    k.group = group;
    k.topic = tp.topic;
    k.partition = tp.partition;
    return protocol::encode_versioned(k, 1);
}

std::vector<uint8_t> offset_store::record_value(const committed_offset& o) {
    protocol::offset_commit_value v;
    v.offset = o.offset;
    v.leader_epoch = o.leader_epoch;
    v.metadata = o.metadata;
    v.commit_timestamp = o.commit_timestamp_ms;
    return protocol::encode_versioned(v, 3);
}

bool offset_store::apply_record(std::optional<std::span<const uint8_t>> key,
                                std::optional<std::span<const uint8_t>> value) {
    if (!key) return false;
    auto version = protocol::peek_version(*key);
    if (!version) return false;
    if (*version > 1) return true;  // group metadata (v2): not kept yet
    auto k = protocol::decode_versioned<protocol::offset_commit_key>(*key);
    if (!k) return false;
    partition_key tp{k->value.topic, k->value.partition};
    if (!value) {
        erase(k->value.group, tp);
        return true;
    }
    auto v = protocol::decode_versioned<protocol::offset_commit_value>(*value);
    if (!v) return false;
    put(k->value.group, tp,
        {v->value.offset, v->value.leader_epoch, v->value.metadata, v->value.commit_timestamp});
    return true;
}

int32_t partition_for_group(const std::string& group, int32_t partitions) {
    // Java's String.hashCode: s[0]*31^(n-1) + ... over UTF-16 code units. Group ids are
    // decoded from UTF-8 first so that non-ASCII ids land where Kafka puts them.
    int32_t h = 0;
    const auto* p = reinterpret_cast<const uint8_t*>(group.data());
    const auto* end = p + group.size();
    auto add = [&](uint32_t unit) {
        h = static_cast<int32_t>(31u * static_cast<uint32_t>(h) + unit);
    };
    while (p < end) {
        uint32_t cp = *p++;
        int extra = cp >= 0xF0 ? 3 : cp >= 0xE0 ? 2 : cp >= 0xC0 ? 1 : 0;
        if (extra) cp &= (0x3F >> extra);
        for (int i = 0; i < extra && p < end; ++i) cp = (cp << 6) | (*p++ & 0x3F);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            add(0xD800 + (cp >> 10));
            add(0xDC00 + (cp & 0x3FF));
        } else {
            add(cp);
        }
    }
    // Kafka's Utils.abs maps Integer.MIN_VALUE to 0.
    int32_t a = h == INT32_MIN ? 0 : (h < 0 ? -h : h);
    return a % partitions;
}

}  // namespace sluice::group
