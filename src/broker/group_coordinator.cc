#include "group_coordinator.h"

#include <unistd.h>

#include <random>

#include "broker.h"
#include "group_record.h"
#include "kafka_errors.h"
#include "sluice/common/clock.h"
#include "sluice/common/logger.h"
#include "sluice/protocol/messages/join_group.h"
#include "sluice/protocol/messages/sync_group.h"
#include "sluice/storage/record_batch_builder.h"
#include "sluice/storage/record_reader.h"

namespace sluice::broker {

namespace {

int16_t wire(group::group_error e) {
    return static_cast<int16_t>(e);
}

protocol::join_group_response to_wire(const group::join_response& r) {
    protocol::join_group_response out;
    out.error_code = wire(r.error);
    out.generation_id = r.generation_id;
    out.protocol_type = r.protocol_type;
    out.protocol_name = r.protocol_name;
    out.leader = r.leader;
    out.member_id = r.member_id;
    for (const auto& m : r.members)
        out.members.push_back({m.member_id, m.group_instance_id, m.metadata});
    return out;
}

protocol::sync_group_response to_wire(const group::sync_response& r) {
    protocol::sync_group_response out;
    out.error_code = wire(r.error);
    out.protocol_type = r.protocol_type;
    out.protocol_name = r.protocol_name;
    out.assignment = r.assignment;
    return out;
}

}  // namespace

/// A join or sync request waiting for its answer.
struct group_coordinator::pending {
    request_context ctx;
};

group_coordinator::group_coordinator(broker& b) : _broker(b) {
    std::random_device rd;
    char nonce[9];
    std::snprintf(nonce, sizeof nonce, "%08x", rd());
    _member_id_nonce = nonce;
}
group_coordinator::~group_coordinator() = default;

storage::log* group_coordinator::offsets_log(const std::string& group_id) {
    topic_info* t = _broker.topics().find(offsets_topic);
    if (!t || t->partitions.empty()) return nullptr;
    const auto n = static_cast<int32_t>(t->partitions.size());
    partition* p =
        t->partitions[static_cast<size_t>(group::partition_for_group(group_id, n))].get();
    return p ? &p->log() : nullptr;
}

bool group_coordinator::load(int64_t now_ms, std::string* why) {
    topic_manager& topics = _broker.topics();
    if (!topics.find(offsets_topic)) {
        // Compacted in Kafka; kept forever here until compaction exists, so retention can
        // never drop a group's last commit.
        config_map cfg{{"cleanup.policy", "compact"}, {"retention.ms", "-1"}};
        auto err = topics.create(offsets_topic, _broker.options().offsets_topic_partitions, 1, cfg,
                                 false, now_ms);
        if (err) {
            *why = "cannot create " + std::string(offsets_topic) + ": " + err->message;
            return false;
        }
    }
    size_t records = 0, bad = 0;
    group::group_record_loader stored_groups;
    for (auto& p : topics.find(offsets_topic)->partitions) {
        storage::log& l = p->log();
        int64_t next = l.log_start_offset();
        std::vector<uint8_t> buf;
        while (next < l.durable_end_offset()) {
            auto slice = l.read(next, l.durable_end_offset(), 1 << 20);
            if (!slice || !slice->file || slice->bytes == 0) break;
            buf.resize(slice->bytes);
            if (::pread(slice->file->fd.get(), buf.data(), buf.size(),
                        static_cast<off_t>(slice->position)) != static_cast<ssize_t>(buf.size())) {
                *why = "cannot read " + l.dir().string();
                return false;
            }
            std::span<const uint8_t> rest(buf);
            while (auto size = storage::peek_batch_size(rest)) {
                if (*size > rest.size()) break;
                auto r = storage::for_each_record(
                    rest.first(*size), [&](const storage::record_view& rec) {
                        ++records;
                        bool ok = rec.key && group::is_group_record_key(*rec.key)
                                      ? stored_groups.apply(*rec.key, rec.value)
                                      : _offsets.apply_record(rec.key, rec.value);
                        if (!ok) ++bad;
                    });
                if (!r) ++bad;
                rest = rest.subspan(*size);
            }
            next = slice->next_offset;
        }
    }
    const int64_t now = common::monotonic_ms();
    size_t with_members = 0;
    for (const auto& [id, snapshot] : stored_groups.groups()) {
        group::group_stm& g = find_or_create(id);
        g.restore(snapshot, now);
        if (g.state() != group::group_state::empty) ++with_members;
    }
    if (records > 0) {
        SLUICE_LOG(info, "broker",
                   "loaded %zu __consumer_offsets record(s): committed offsets of %zu group(s), "
                   "%zu group(s) with members%s",
                   records, _offsets.groups().size(), with_members,
                   bad ? " (some unreadable records skipped)" : "");
    }
    return true;
}

group::group_stm* group_coordinator::find(const std::string& group_id) {
    auto it = _groups.find(group_id);
    return it == _groups.end() ? nullptr : it->second.get();
}

group::group_stm& group_coordinator::find_or_create(const std::string& group_id) {
    auto it = _groups.find(group_id);
    if (it != _groups.end() && it->second->state() != group::group_state::dead) return *it->second;
    const auto& o = _broker.options();
    group::group_settings s;
    s.session_timeout_min_ms = o.group_min_session_timeout_ms;
    s.session_timeout_max_ms = o.group_max_session_timeout_ms;
    s.initial_rebalance_delay_ms = o.group_initial_rebalance_delay_ms;
    s.member_id_nonce = _member_id_nonce;
    auto g = std::make_unique<group::group_stm>(group_id, s);
    auto* raw = g.get();
    _groups[group_id] = std::move(g);
    _stored_seq[group_id] = raw->store_seq();
    return *raw;
}

void group_coordinator::join(request_context&& ctx, const std::string& group_id,
                             const group::join_request& req) {
    group::group_stm& g = find_or_create(group_id);
    const uint64_t ticket = _next_ticket++;
    _pending.emplace(ticket, std::make_unique<pending>(pending{std::move(ctx)}));
    g.join(ticket, req, common::monotonic_ms());
    deliver(g);
}

void group_coordinator::sync(request_context&& ctx, const std::string& group_id,
                             const group::sync_request& req) {
    group::group_stm* g = find(group_id);
    if (!g) {
        protocol::sync_group_response resp;
        resp.error_code = wire(group::group_error::unknown_member_id);
        ctx.respond(resp);
        return;
    }
    const uint64_t ticket = _next_ticket++;
    _pending.emplace(ticket, std::make_unique<pending>(pending{std::move(ctx)}));
    g->sync(ticket, req, common::monotonic_ms());
    deliver(*g);
}

void group_coordinator::deliver(group::group_stm& g) {
    std::vector<group::delivery> out = g.take_deliveries();
    uint64_t& stored = _stored_seq[g.group_id()];
    if (g.store_seq() != stored) {
        stored = g.store_seq();
        store_group(g, std::move(out));
        return;
    }
    respond(out);
}

void group_coordinator::respond(std::vector<group::delivery>& out) {
    for (auto& d : out) {
        auto it = _pending.find(d.ticket);
        if (it == _pending.end()) continue;
        request_context& ctx = it->second->ctx;
        if (d.join) ctx.respond(to_wire(*d.join));
        if (d.sync) ctx.respond(to_wire(*d.sync));
        _pending.erase(it);
    }
}

void group_coordinator::tick(int64_t now_ms) {
    (void)now_ms;
    const int64_t now = common::monotonic_ms();
    for (auto& [id, g] : _groups) {
        if (g->next_deadline_ms() <= now) {
            g->tick(now);
            deliver(*g);
        }
    }
}

void group_coordinator::stop() {
    for (auto& [ticket, p] : _pending) {
        // The member will find the new coordinator (this broker, after a restart).
        if (p->ctx.header.api_key == protocol::join_group_response::api_key) {
            protocol::join_group_response r;
            r.error_code = wire(group::group_error::coordinator_not_available);
            p->ctx.respond(r);
        } else {
            protocol::sync_group_response r;
            r.error_code = wire(group::group_error::coordinator_not_available);
            p->ctx.respond(r);
        }
    }
    _pending.clear();
}

namespace {

/// One commit in flight: fills the error codes and runs `done` once durable.
struct commit_waiter final : storage::append_waiter {
    std::vector<uint8_t> batch;
    std::vector<group_coordinator::commit_entry> entries;
    std::string group_id;
    group::offset_store* store = nullptr;
    std::function<void()> done;
    void on_durable(storage::result<void> r) override {
        for (auto& e : entries) {
            if (!r) {
                *e.error_out = code(to_kafka_error(r.error()));
            } else {
                store->put(group_id, e.tp, e.offset);
            }
        }
        auto finish = std::move(done);
        delete this;
        finish();
    }
};

}  // namespace

void group_coordinator::commit(const std::string& group_id, std::vector<commit_entry> entries,
                               std::function<void()> done) {
    storage::log* l = offsets_log(group_id);
    if (entries.empty()) return done();
    if (!l) {
        for (auto& e : entries) *e.error_out = wire(group::group_error::coordinator_not_available);
        return done();
    }
    const int64_t now = common::wall_clock_ms();
    storage::record_batch_builder b(0, now);
    std::vector<std::vector<uint8_t>> keep;
    for (const auto& e : entries) {
        keep.push_back(group::offset_store::record_key(group_id, e.tp));
        keep.push_back(group::offset_store::record_value(e.offset));
        b.add(std::span<const uint8_t>(keep[keep.size() - 2]),
              std::span<const uint8_t>(keep.back()), now);
    }
    auto* w = new commit_waiter();
    w->batch = b.build();
    w->entries = std::move(entries);
    w->group_id = group_id;
    w->store = &_offsets;
    w->done = std::move(done);
    auto r = l->append(w->batch, w, now);
    if (!r) {
        for (auto& e : w->entries) *e.error_out = code(to_kafka_error(r.error()));
        auto finish = std::move(w->done);
        delete w;
        finish();
    }
}

namespace {

/// A group record in flight: the answers it holds go out once it is durable.
struct group_store_waiter final : storage::append_waiter {
    std::vector<uint8_t> key, value, batch;
    std::vector<group::delivery> held;
    std::function<void(std::vector<group::delivery>&)> respond;
    void on_durable(storage::result<void> r) override {
        if (!r) {
            SLUICE_LOG(warn, "broker", "cannot store a consumer group's members: %s",
                       storage::describe(r.error()));
            fail(held);
        }
        respond(held);
        delete this;
    }
    static void fail(std::vector<group::delivery>& held) {
        for (auto& d : held) {
            if (d.join) {
                d.join = group::join_response{};
                d.join->error = group::group_error::coordinator_not_available;
            }
            if (d.sync) {
                d.sync = group::sync_response{};
                d.sync->error = group::group_error::coordinator_not_available;
            }
        }
    }
};

}  // namespace

void group_coordinator::store_group(const group::group_stm& g, std::vector<group::delivery> held) {
    storage::log* l = offsets_log(g.group_id());
    const int64_t now = common::wall_clock_ms();
    auto* w = new group_store_waiter();
    w->held = std::move(held);
    w->respond = [this](std::vector<group::delivery>& out) { respond(out); };
    if (!l) {
        group_store_waiter::fail(w->held);
        w->respond(w->held);
        delete w;
        return;
    }
    w->key = group::group_record_key(g.group_id());
    w->value = group::group_record_value(g.snapshot(), now);
    storage::record_batch_builder b(0, now);
    b.add(std::span<const uint8_t>(w->key), std::span<const uint8_t>(w->value), now);
    w->batch = b.build();
    if (auto r = l->append(w->batch, w, now); !r) w->on_durable(common::fail(r.error()));
}

void group_coordinator::forget_group(const std::string& group_id) {
    _stored_seq.erase(group_id);
    storage::log* l = offsets_log(group_id);
    if (!l) return;
    const int64_t now = common::wall_clock_ms();
    struct tombstone final : storage::append_waiter {
        std::vector<uint8_t> key, batch;
        void on_durable(storage::result<void>) override { delete this; }
    };
    auto* w = new tombstone();
    w->key = group::group_record_key(group_id);
    storage::record_batch_builder b(0, now);
    b.add(std::span<const uint8_t>(w->key), std::nullopt, now);
    w->batch = b.build();
    if (!l->append(w->batch, w, now)) delete w;
}

void group_coordinator::delete_offsets(const std::string& group_id,
                                       const std::vector<group::partition_key>& tps) {
    storage::log* l = offsets_log(group_id);
    for (const auto& tp : tps) _offsets.erase(group_id, tp);
    if (!l || tps.empty()) return;
    const int64_t now = common::wall_clock_ms();
    storage::record_batch_builder b(0, now);
    std::vector<std::vector<uint8_t>> keys;
    for (const auto& tp : tps) keys.push_back(group::offset_store::record_key(group_id, tp));
    for (const auto& k : keys) b.add(std::span<const uint8_t>(k), std::nullopt, now);
    struct tombstones final : storage::append_waiter {
        std::vector<uint8_t> batch;
        void on_durable(storage::result<void>) override { delete this; }
    };
    auto* w = new tombstones();
    w->batch = b.build();
    if (!l->append(w->batch, w, now)) delete w;
}

size_t group_coordinator::expire_offsets(int64_t now_wall_ms) {
    size_t expired = 0;
    const int64_t retention = _broker.options().offsets_retention_ms;
    for (const std::string& id : _offsets.groups()) {
        group::group_stm* g = find(id);
        // Kafka expires offsets only once a group has no members (KIP-211).
        if (g && g->state() != group::group_state::empty &&
            g->state() != group::group_state::dead) {
            continue;
        }
        auto tps = _offsets.expired(id, now_wall_ms, retention);
        if (tps.empty()) continue;
        expired += tps.size();
        delete_offsets(id, tps);
        if (!_offsets.offsets_of(id) && g) {
            _groups.erase(id);
            forget_group(id);
        }
    }
    if (expired > 0) {
        SLUICE_LOG(info, "broker", "expired %zu committed offset(s) of groups without members",
                   expired);
    }
    return expired;
}

void group_coordinator::remove_group(const std::string& group_id) {
    if (const auto* offs = _offsets.offsets_of(group_id)) {
        std::vector<group::partition_key> tps;
        for (const auto& [tp, o] : *offs) tps.push_back(tp);
        delete_offsets(group_id, tps);
    }
    _groups.erase(group_id);
    forget_group(group_id);
}

}  // namespace sluice::broker
