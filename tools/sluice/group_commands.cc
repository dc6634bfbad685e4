// sluice group list|describe|delete|reset-offsets: consumer groups, their members, their
// committed offsets and how far behind the log end they are.
//
// Group requests go to the group's coordinator (FindCoordinator on the bootstrap broker);
// Metadata and ListOffsets go to the bootstrap broker, as the other commands do.

#include <algorithm>
#include <cinttypes>
#include <map>
#include <set>

#include "cli.h"
#include "sluice/protocol/messages/consumer_protocol.h"
#include "sluice/protocol/messages/delete_groups.h"
#include "sluice/protocol/messages/describe_groups.h"
#include "sluice/protocol/messages/find_coordinator.h"
#include "sluice/protocol/messages/list_groups.h"
#include "sluice/protocol/messages/list_offsets.h"
#include "sluice/protocol/messages/metadata.h"
#include "sluice/protocol/messages/offset_commit.h"
#include "sluice/protocol/messages/offset_fetch.h"

namespace sluice::cli {

using namespace protocol;

namespace {

using topic_partition = std::pair<std::string, int32_t>;
using table = std::vector<std::vector<std::string>>;

/// Rows in columns two spaces apart, each as wide as its widest cell; row 0 is the header.
void print_table(const table& rows) {
    std::vector<size_t> width;
    for (const auto& r : rows) {
        if (width.size() < r.size()) width.resize(r.size());
        for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
    }
    for (const auto& r : rows) {
        std::string line;
        for (size_t i = 0; i < r.size(); ++i) {
            line += r[i];
            if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
        }
        std::printf("%s\n", line.c_str());
    }
}

int16_t wire(kafka_error e) {
    return static_cast<int16_t>(e);
}

std::string text(int64_t v) {
    return v < 0 ? "-" : std::to_string(v);
}

/// Connect to the coordinator of `group`: ask the bootstrap broker, then reconnect when the
/// coordinator is another broker.
bool connect_coordinator(client::kafka_connection& c, const common_options& o,
                         const std::string& group) {
    if (!connect(c, o)) return false;
    find_coordinator_request req;
    req.key = group;
    req.coordinator_keys = {group};
    std::string why;
    auto resp = c.call<find_coordinator_request, find_coordinator_response>(req, &why);
    if (!resp) {
        std::fprintf(stderr, "sluice: find the coordinator of group %s: %s\n", group.c_str(),
                     why.c_str());
        return false;
    }
    if (!resp->coordinators.empty()) {  // v4+
        const auto& k = resp->coordinators[0];
        resp->error_code = k.error_code;
        resp->error_message = k.error_message;
        resp->host = k.host;
        resp->port = k.port;
    }
    if (!check(resp->error_code, resp->error_message, "find the coordinator of group " + group)) {
        return false;
    }
    const std::string address = resp->host + ":" + std::to_string(resp->port);
    if (address == o.bootstrap) return true;
    c.close();
    if (c.connect(address, &why)) return true;
    std::fprintf(stderr, "sluice: group %s: cannot reach its coordinator at %s: %s\n",
                 group.c_str(), address.c_str(), why.c_str());
    return false;
}

std::optional<described_group> describe_group(client::kafka_connection& c,
                                              const std::string& group) {
    describe_groups_request req;
    req.groups = {group};
    std::string why;
    auto resp = c.call<describe_groups_request, describe_groups_response>(req, &why);
    if (!resp || resp->groups.size() != 1) {
        std::fprintf(stderr, "sluice: describe group %s: %s\n", group.c_str(),
                     resp ? "the broker answered for another number of groups" : why.c_str());
        return std::nullopt;
    }
    if (!check(resp->groups[0].error_code, std::nullopt, "describe group " + group)) {
        return std::nullopt;
    }
    return std::move(resp->groups[0]);
}

/// Every committed offset of the group.
std::optional<std::map<topic_partition, int64_t>> committed_offsets(client::kafka_connection& c,
                                                                    const std::string& group) {
    offset_fetch_request req;
    req.group_id = group;
    req.topics = std::nullopt;  // all (v2+)
    offset_fetch_request_group g;
    g.group_id = group;
    g.topics = std::nullopt;
    req.groups = {g};
    std::string why;
    auto resp = c.call<offset_fetch_request, offset_fetch_response>(req, &why);
    if (!resp) {
        std::fprintf(stderr, "sluice: committed offsets of group %s: %s\n", group.c_str(),
                     why.c_str());
        return std::nullopt;
    }
    if (!resp->groups.empty()) {  // v8+
        resp->error_code = resp->groups[0].error_code;
        resp->topics = std::move(resp->groups[0].topics);
    }
    if (!check(resp->error_code, std::nullopt, "committed offsets of group " + group)) {
        return std::nullopt;
    }
    std::map<topic_partition, int64_t> out;
    for (const auto& t : resp->topics) {
        for (const auto& p : t.partitions) {
            if (p.error_code == 0 && p.committed_offset >= 0) {
                out[{t.name, p.partition_index}] = p.committed_offset;
            }
        }
    }
    return out;
}

/// ListOffsets at `timestamp` (-1 end, -2 start); a partition that fails is left out.
std::map<topic_partition, int64_t> list_offsets(client::kafka_connection& c,
                                                const std::set<topic_partition>& tps,
                                                int64_t timestamp) {
    list_offsets_request req;
    req.replica_id = -1;
    for (const auto& [topic, partition] : tps) {
        if (req.topics.empty() || req.topics.back().name != topic) {
            req.topics.emplace_back().name = topic;
        }
        list_offsets_partition lp;
        lp.partition_index = partition;
        lp.timestamp = timestamp;
        req.topics.back().partitions.push_back(lp);
    }
    std::map<topic_partition, int64_t> out;
    if (req.topics.empty()) return out;
    std::string why;
    auto resp = c.call<list_offsets_request, list_offsets_response>(req, &why);
    if (!resp) {
        std::fprintf(stderr, "sluice: list offsets: %s\n", why.c_str());
        return out;
    }
    for (const auto& t : resp->topics) {
        for (const auto& p : t.partitions) {
            if (p.error_code == 0) out[{t.name, p.partition_index}] = p.offset;
        }
    }
    return out;
}

/// "topic:0,1 other:3" from a ConsumerProtocolAssignment; `tp_owner` learns the partitions.
std::string assignment_text(const described_group& g, const described_group_member& m,
                            std::map<topic_partition, std::string>& tp_owner) {
    if (g.protocol_type != "consumer" || m.member_assignment.empty()) return "-";
    auto a = decode_consumer_protocol<consumer_protocol_assignment>(m.member_assignment);
    if (!a) return "(cannot decode)";
    std::string out;
    for (const auto& t : a->value.assigned_partitions) {
        if (t.partitions.empty()) continue;
        out += (out.empty() ? "" : " ") + t.topic + ":";
        for (size_t i = 0; i < t.partitions.size(); ++i) {
            out += (i ? "," : "") + std::to_string(t.partitions[i]);
            tp_owner[{t.topic, t.partitions[i]}] = m.member_id;
        }
    }
    return out.empty() ? "(none)" : out;
}

}  // namespace

int group_list(const common_options& o) {
    client::kafka_connection c;
    if (!connect(c, o)) return 1;
    // Each broker answers for the groups it coordinates (Kafka's AdminClient asks them all).
    metadata_request md;
    md.topics = std::vector<metadata_request_topic>{};
    md.allow_auto_topic_creation = false;
    std::string why;
    auto meta = c.call<metadata_request, metadata_response>(md, &why);
    if (!meta) {
        std::fprintf(stderr, "sluice: metadata: %s\n", why.c_str());
        return 1;
    }
    std::map<std::string, listed_group> groups;
    bool has_state = true;
    int rc = 0;
    for (const auto& b : meta->brokers) {
        const std::string address = b.host + ":" + std::to_string(b.port);
        client::kafka_connection other;
        client::kafka_connection* bc = &c;
        if (meta->brokers.size() > 1 && address != o.bootstrap) {
            if (!other.connect(address, &why)) {
                std::fprintf(stderr, "sluice: broker %d at %s: %s; its groups are not listed\n",
                             b.node_id, address.c_str(), why.c_str());
                rc = 1;
                continue;
            }
            bc = &other;
        }
        has_state &= bc->version_for<list_groups_request>() >= 4;
        auto resp = bc->call<list_groups_request, list_groups_response>({}, &why);
        if (!resp) {
            std::fprintf(stderr, "sluice: list groups on broker %d: %s\n", b.node_id, why.c_str());
            rc = 1;
            continue;
        }
        if (!check(resp->error_code, std::nullopt, "list groups on broker " + address)) rc = 1;
        for (auto& g : resp->groups) groups[g.group_id] = std::move(g);
    }
    if (groups.empty()) {
        std::printf("no groups\n");
        return rc;
    }
    table rows{{"GROUP", "STATE", "PROTOCOL TYPE"}};
    for (const auto& [id, g] : groups) {
        rows.push_back(
            {id, has_state ? g.group_state : "-", g.protocol_type.empty() ? "-" : g.protocol_type});
    }
    print_table(rows);
    return rc;
}

int group_describe(const common_options& o, const std::string& group) {
    client::kafka_connection coord, data;
    if (!connect_coordinator(coord, o, group) || !connect(data, o)) return 1;
    auto g = describe_group(coord, group);
    if (!g) return 1;
    if (g->group_state == "Dead") {
        std::fprintf(stderr, "sluice: group %s does not exist (sluice group list shows them)\n",
                     group.c_str());
        return 1;
    }
    auto committed = committed_offsets(coord, group);
    if (!committed) return 1;
    std::printf("group %s: %s, protocol type %s, assignor %s, %zu member(s)\n", group.c_str(),
                g->group_state.c_str(), g->protocol_type.empty() ? "-" : g->protocol_type.c_str(),
                g->protocol_data.empty() ? "-" : g->protocol_data.c_str(), g->members.size());
    std::map<topic_partition, std::string> tp_owner;
    if (!g->members.empty()) {
        table rows{{"MEMBER", "INSTANCE", "CLIENT ID", "HOST", "ASSIGNMENT"}};
        for (const auto& m : g->members) {
            rows.push_back({m.member_id, m.group_instance_id.value_or("-"), m.client_id,
                            m.client_host, assignment_text(*g, m, tp_owner)});
        }
        std::printf("\n");
        print_table(rows);
    }
    std::set<topic_partition> tps;
    for (const auto& [tp, off] : *committed) tps.insert(tp);
    for (const auto& [tp, owner] : tp_owner) tps.insert(tp);
    if (tps.empty()) {
        std::printf("\nno committed offsets\n");
        return 0;
    }
    const auto end = list_offsets(data, tps, -1);
    table rows{{"TOPIC", "PARTITION", "COMMITTED", "LOG END", "LAG", "MEMBER"}};
    for (const auto& tp : tps) {
        auto c = committed->find(tp);
        auto e = end.find(tp);
        auto m = tp_owner.find(tp);
        const int64_t lag = c != committed->end() && e != end.end() ? e->second - c->second : -1;
        rows.push_back({tp.first, std::to_string(tp.second),
                        c != committed->end() ? text(c->second) : "-",
                        e != end.end() ? text(e->second) : "-", text(lag),
                        m != tp_owner.end() ? m->second : "-"});
    }
    std::printf("\n");
    print_table(rows);
    return 0;
}

int group_delete(const common_options& o, const std::string& group) {
    client::kafka_connection c;
    if (!connect_coordinator(c, o, group)) return 1;
    delete_groups_request req;
    req.groups_names = {group};
    std::string why;
    auto resp = c.call<delete_groups_request, delete_groups_response>(req, &why);
    if (!resp || resp->results.size() != 1) {
        std::fprintf(stderr, "sluice: delete group %s: %s\n", group.c_str(),
                     resp ? "the broker answered for another number of groups" : why.c_str());
        return 1;
    }
    const int16_t err = resp->results[0].error_code;
    if (!check(err, std::nullopt, "delete group " + group)) {
        if (err == wire(kafka_error::non_empty_group)) {
            std::fprintf(stderr, "sluice: stop the group's consumers, then delete it\n");
        } else if (err == wire(kafka_error::group_id_not_found)) {
            std::fprintf(stderr, "sluice: sluice group list shows the groups\n");
        }
        return 1;
    }
    std::printf("deleted group %s\n", group.c_str());
    return 0;
}

namespace {

/// The partitions of the topic to reset (all, or the one asked for).
std::optional<std::set<topic_partition>> reset_partitions(client::kafka_connection& c,
                                                          const reset_options& r) {
    metadata_request md;
    md.allow_auto_topic_creation = false;
    md.topics = std::vector<metadata_request_topic>{{{}, r.topic}};
    std::string why;
    auto meta = c.call<metadata_request, metadata_response>(md, &why);
    if (!meta || meta->topics.size() != 1) {
        std::fprintf(stderr, "sluice: metadata: %s\n",
                     meta ? "no answer for the topic" : why.c_str());
        return std::nullopt;
    }
    if (!check(meta->topics[0].error_code, std::nullopt, "topic " + r.topic)) return std::nullopt;
    std::set<topic_partition> tps;
    for (const auto& p : meta->topics[0].partitions) {
        if (r.partition < 0 || r.partition == p.partition_index) {
            tps.insert({r.topic, p.partition_index});
        }
    }
    if (tps.empty()) {
        std::fprintf(stderr, "sluice: topic %s has no partition %d (it has %zu)\n", r.topic.c_str(),
                     r.partition, meta->topics[0].partitions.size());
        return std::nullopt;
    }
    return tps;
}

/// OffsetCommit from outside the group (generation -1, no member id), which the
/// coordinator accepts only while the group has no members.
bool commit_offsets(client::kafka_connection& c, const std::string& group,
                    const std::map<topic_partition, int64_t>& offsets) {
    offset_commit_request req;
    req.group_id = group;
    req.generation_id_or_member_epoch = -1;
    for (const auto& [tp, offset] : offsets) {
        if (req.topics.empty() || req.topics.back().name != tp.first) {
            req.topics.emplace_back().name = tp.first;
        }
        offset_commit_request_partition p;
        p.partition_index = tp.second;
        p.committed_offset = offset;
        req.topics.back().partitions.push_back(p);
    }
    std::string why;
    auto resp = c.call<offset_commit_request, offset_commit_response>(req, &why);
    if (!resp) {
        std::fprintf(stderr, "sluice: commit offsets of group %s: %s\n", group.c_str(),
                     why.c_str());
        return false;
    }
    for (const auto& t : resp->topics) {
        for (const auto& p : t.partitions) {
            const std::string what = "commit " + t.name + "-" + std::to_string(p.partition_index);
            if (check(p.error_code, std::nullopt, what)) continue;
            if (p.error_code == wire(kafka_error::unknown_member_id)) {
                std::fprintf(stderr, "sluice: group %s has members again; stop them and retry\n",
                             group.c_str());
            }
            return false;
        }
    }
    return true;
}

}  // namespace

int group_reset_offsets(const common_options& o, const reset_options& r) {
    client::kafka_connection coord, data;
    if (!connect_coordinator(coord, o, r.group) || !connect(data, o)) return 1;
    auto g = describe_group(coord, r.group);
    if (!g) return 1;
    // Kafka's ConsumerGroupCommand resets only inactive groups: members would overwrite
    // the new offsets with their own next commit.
    if (g->group_state != "Empty" && g->group_state != "Dead") {
        std::fprintf(stderr,
                     "sluice: group %s is %s with %zu active member(s); offsets can be reset only "
                     "while it has none. Stop its consumers (or wait for their sessions to "
                     "expire) and try again.\n",
                     r.group.c_str(), g->group_state.c_str(), g->members.size());
        return 1;
    }
    auto tps = reset_partitions(data, r);
    if (!tps) return 1;
    auto committed = committed_offsets(coord, r.group);
    if (!committed) return 1;
    const auto start = list_offsets(data, *tps, -2);
    const auto end = list_offsets(data, *tps, -1);
    std::map<topic_partition, int64_t> target;
    for (const auto& tp : *tps) {
        auto s = start.find(tp);
        auto e = end.find(tp);
        if (s == start.end() || e == end.end()) {
            std::fprintf(stderr, "sluice: cannot read the offsets of %s-%d\n", tp.first.c_str(),
                         tp.second);
            return 1;
        }
        int64_t to = r.to == reset_to::earliest ? s->second
                     : r.to == reset_to::latest ? e->second
                                                : r.offset;
        // As Kafka's tool: an offset outside the log moves to its nearest end.
        if (to < s->second || to > e->second) {
            const int64_t clamped = std::clamp(to, s->second, e->second);
            std::fprintf(stderr,
                         "sluice: %s-%d: offset %" PRId64 " is outside [%" PRId64 ", %" PRId64
                         "]; using %" PRId64 "\n",
                         tp.first.c_str(), tp.second, to, s->second, e->second, clamped);
            to = clamped;
        }
        target[tp] = to;
    }
    if (!r.dry_run && !commit_offsets(coord, r.group, target)) return 1;
    std::printf("%s offsets of group %s:\n\n", r.dry_run ? "would reset (dry run)" : "reset",
                r.group.c_str());
    table rows{{"TOPIC", "PARTITION", "PREVIOUS", "NEW"}};
    for (const auto& [tp, to] : target) {
        auto c = committed->find(tp);
        rows.push_back({tp.first, std::to_string(tp.second),
                        c != committed->end() ? text(c->second) : "-", std::to_string(to)});
    }
    print_table(rows);
    return 0;
}

}  // namespace sluice::cli
