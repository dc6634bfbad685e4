// Randomized test of group_stm: simulated consumers (dynamic and static) send joins with
// their own, empty, stale or foreign member ids, syncs (the leader assigns random subsets
// of 12 partitions, one byte per partition), heartbeats, leaves and commits, while time
// moves in random steps. After EVERY event the invariants below are checked; each run ends
// by letting time pass until every parked request has been answered.
//
// Now and then the coordinator restarts: the group comes back from the last snapshot the
// driver stored (after each change store_seq() counts), waiting requests are answered
// COORDINATOR_NOT_AVAILABLE, and the consumers carry on with the ids they have. The
// generation may then go back to the stored one (as in Kafka, a rebalance that had not
// completed is forgotten), but never below a generation whose assignments were handed
// out, so per-generation ownership still holds across restarts.
//
// SLUICE_SEED=<n> replays one seed; a failure prints the seed and the event index.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "unit/group/group_test_util.h"

namespace sluice::group::testing {
namespace {

constexpr int partitions = 12;
constexpr int clients = 6;

struct client {
    std::string client_id;
    std::optional<std::string> instance;  // static for some
    std::string member_id;
    int32_t generation = -1;
    std::vector<std::string> members;  // from the join answer, when it named us leader
    bool leader = false;
    bool need_join = false;  // told to rejoin (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION)
    bool need_sync = false;  // has a join answer, owes the SyncGroup
    int open = 0;            // its requests still waiting for an answer
};

/// What the runs reached, so a change that makes the events miss the interesting paths
/// shows up as a failure rather than as a quiet pass.
struct coverage {
    int generations = 0;
    int assignments = 0;  // successful syncs that carried partitions
    int member_id_required = 0;
    int fenced = 0;
    int static_rejoin_without_rebalance = 0;
    int stable_events = 0;
    int empty_after_members = 0;
    int restarts = 0;
    int restored_stable = 0;
};

struct ticket_info {
    bool is_join = false;
    int client = 0;
    std::string member_id;
    int32_t generation = -1;
};

class random_run {
  public:
    // Seeds differ in how much chaos they mix in: calm runs spend time stable, wild ones
    // stress the error paths.
    random_run(uint64_t seed, coverage& cov)
        : _rng(seed), _g("g", settings()), _cov(cov), _chaos_percent(int(3 + 12 * (seed % 3))) {
        for (int i = 0; i < clients; ++i) {
            client c;
            c.client_id = "c" + std::to_string(i);
            if (i % 2 == 1) c.instance = "i" + std::to_string(i);
            _clients.push_back(c);
        }
    }

    // Three phases, each drained to an empty group, so later phases also start from an
    // empty group that has had generations before.
    void run(int events) {
        for (int e = 0; e < events; ++e) {
            SCOPED_TRACE("event " + std::to_string(e) + " at t=" + std::to_string(_now));
            step();
            check();
            if (e % (events / 3) == events / 3 - 1) drain();
            if (::testing::Test::HasFailure()) return;
        }
    }

  private:
    static group_settings settings() {
        group_settings s;
        s.initial_rebalance_delay_ms = 3000;
        return s;
    }
    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(_rng); }
    bool chance(int percent) { return pick(100) < percent; }

    std::vector<protocol_metadata> random_protocols() {
        std::vector<std::string> names = {"range", "roundrobin", "sticky"};
        std::shuffle(names.begin(), names.end(), _rng);
        names.resize(1 + pick(3));
        std::vector<protocol_metadata> out;
        for (const auto& n : names) out.push_back({n, {uint8_t(n[0])}});
        return out;
    }

    std::string some_member_id(const client& c) {
        int r = pick(100);
        if (r < 70 || _history.empty()) return c.member_id;
        if (r < 80) return "";
        if (r < 93) return _history[pick(int(_history.size()))];
        return c.client_id + "-999";
    }

    // Most events are a consumer doing the next sensible thing (join, sync, heartbeat,
    // rejoin when told); the rest are chaos: random or stale ids, foreign instance ids,
    // wrong generations, other protocols, leaves, deletes. About a fifth moves the clock.
    void step() {
        if (pick(1000) < 2) {
            restart_coordinator();
            return;
        }
        if (chance(22)) {
            int pace = pick(100);
            _now += pace < 70   ? pick(500)
                    : pace < 95 ? pick(3000)
                    : pace < 99 ? pick(15000)
                                : pick(60000);
            _g.tick(_now);
            collect();
            EXPECT_GT(_g.next_deadline_ms(), _now);
            return;
        }
        int ci = pick(clients);
        if (!chance(_chaos_percent)) {
            behave(ci);
        } else {
            chaos(ci);
        }
    }

    void behave(int ci) {
        client& c = _clients[ci];
        if (c.open > 0) {
            if (!c.member_id.empty()) heartbeat(c, c.member_id);
        } else if (c.member_id.empty() || c.generation < 0 || c.need_join) {
            send_join(ci, c.member_id, protos({"range", "roundrobin"}));
        } else if (c.need_sync) {
            send_sync(ci, c.member_id, c.instance, c.generation);
        } else if (pick(1000) < 3) {
            if (_g.leave(c.member_id, c.instance, _now) == group_error::none) forget(c);
            collect();
        } else if (chance(3)) {
            commit(c);
        } else {
            heartbeat(c, c.member_id);
        }
    }

    void chaos(int ci) {
        client& c = _clients[ci];
        int r = pick(100);
        if (r < 40) {
            send_join(ci, some_member_id(c),
                      chance(70) ? protos({"range", "roundrobin"}) : random_protocols());
        } else if (r < 65) {
            send_sync(ci, some_member_id(c), chance(80) ? c.instance : std::nullopt,
                      chance(50) ? c.generation : c.generation + pick(3) - 1);
        } else if (r < 80) {
            heartbeat(c, some_member_id(c));
        } else if (r < 90) {
            bool by_instance = c.instance && chance(50);
            auto err = _g.leave(by_instance ? "" : some_member_id(c), c.instance, _now);
            if (err == group_error::none) forget(c);
            collect();
        } else if (r < 97) {
            commit(c);
        } else if (_g.remove() == group_error::none) {
            restart_group();
        }
    }

    void send_join(int ci, const std::string& member_id, std::vector<protocol_metadata> ps) {
        client& c = _clients[ci];
        auto req = make_join(c.client_id, member_id, c.instance, std::move(ps));
        if (chance(2)) req.group_instance_id = "i" + std::to_string(pick(clients));
        if (chance(1)) req.protocol_type = "other";
        req.session_timeout_ms = chance(1) ? 100 : 6000 + pick(15000);
        req.rebalance_timeout_ms = 1000 + pick(15000);
        req.require_known_member_id = chance(50);
        c.need_join = false;
        submit(ticket_info{true, ci, req.member_id, -1},
               [&](uint64_t t) { _g.join(t, req, _now); });
    }

    void send_sync(int ci, const std::string& member_id, const std::optional<std::string>& instance,
                   int32_t generation) {
        client& c = _clients[ci];
        sync_request req;
        req.member_id = member_id;
        req.group_instance_id = instance;
        req.generation_id = generation;
        if (c.leader) {
            // Each partition to one member of the list, or to nobody.
            std::map<std::string, std::vector<uint8_t>> plan;
            for (int p = 0; p < partitions && !c.members.empty(); ++p) {
                if (!chance(15)) plan[c.members[pick(int(c.members.size()))]].push_back(p);
            }
            for (auto& [id, parts] : plan) req.assignments.push_back({id, parts});
            if (chance(10)) req.assignments.push_back({"ghost-1", {0, 1, 2}});
        }
        c.need_sync = false;
        submit(ticket_info{false, ci, req.member_id, req.generation_id},
               [&](uint64_t t) { _g.sync(t, req, _now); });
    }

    void heartbeat(client& c, const std::string& member_id) {
        auto err = _g.heartbeat(member_id, c.instance, c.generation, _now);
        if (member_id != c.member_id) return;
        if (err == group_error::unknown_member_id || err == group_error::fenced_instance_id) {
            forget(c);
        } else if (err == group_error::rebalance_in_progress ||
                   err == group_error::illegal_generation) {
            c.need_join = true;
        }
    }

    void commit(const client& c) {
        auto err = _g.validate_commit(c.member_id, c.instance, c.generation);
        if (err == group_error::none && c.generation >= 0) {
            EXPECT_TRUE(_g.has_member(c.member_id));
            EXPECT_EQ(c.generation, _g.generation_id());
            EXPECT_NE(_g.state(), group_state::completing_rebalance);
        }
    }

    template <typename F>
    void submit(const ticket_info& info, F&& call) {
        uint64_t t = _next_ticket++;
        _open.emplace(t, info);
        ++_clients[info.client].open;
        call(t);
        collect();
    }

    void forget(client& c) {
        c.member_id.clear();
        c.generation = -1;
        c.leader = false;
        c.need_sync = false;
    }

    // The broker stops (every waiting request answered COORDINATOR_NOT_AVAILABLE) and
    // starts again, loading the group from the last record the driver wrote.
    void restart_coordinator() {
        ++_cov.restarts;
        auto open = std::move(_open);
        _open.clear();
        for (const auto& [t, info] : open) {
            client& c = _clients[info.client];
            --c.open;
            if (info.is_join) {
                join_response r;
                r.error = group_error::coordinator_not_available;
                on_join(c, info, r);
            } else {
                sync_response r;
                r.error = group_error::coordinator_not_available;
                on_sync(c, info, r);
            }
        }
        group_settings s = settings();
        s.member_id_nonce = "r" + std::to_string(_cov.restarts);
        _g = group_stm("g", s);
        _stored_seq = 0;
        if (_stored) _g.restore(*_stored, _now);
        if (_g.state() == group_state::stable) ++_cov.restored_stable;
        EXPECT_EQ(_g.snapshot(), _stored.value_or(group_snapshot{}))
            << "a restored group does not write back what it was loaded from";
        // What the group remembers is what it had when it was written: members that left
        // since are members again until their sessions end.
        _generation = _g.generation_id();
        _present.clear();
        for (const auto& m : _g.members()) {
            _present.insert(m.member_id);
            _removed.erase(m.member_id);
        }
    }

    // A deleted group is gone; the coordinator starts a new one under the same name.
    void restart_group() {
        ASSERT_TRUE(_open.empty()) << "a deleted group still owed answers";
        ASSERT_EQ(_g.state(), group_state::dead);
        _stored.reset();  // the coordinator writes its tombstone
        _stored_seq = 0;
        _g = group_stm("g", settings());
        _generation = 0;
        _present.clear();
        _removed.clear();
        _owner.clear();
        _history.clear();
        for (auto& c : _clients) forget(c);
    }

    // The driver: a change the group must remember is written before any answer goes out.
    void collect() {
        if (_g.store_seq() != _stored_seq) {
            _stored_seq = _g.store_seq();
            _stored = _g.snapshot();
            if (_g.state() == group_state::stable) {
                EXPECT_FALSE(_stored->members.empty());
                EXPECT_EQ(_stored->generation, _g.generation_id());
            } else {
                EXPECT_EQ(_g.state(), group_state::empty) << "stored in " << to_string(_g.state());
                EXPECT_TRUE(_stored->members.empty());
            }
        }
        for (auto& d : _g.take_deliveries()) {
            auto it = _open.find(d.ticket);
            ASSERT_NE(it, _open.end()) << "unexpected or second answer to ticket " << d.ticket;
            ticket_info info = it->second;
            _open.erase(it);
            --_clients[info.client].open;
            ASSERT_EQ(d.join.has_value(), info.is_join);
            ASSERT_NE(d.join.has_value(), d.sync.has_value());
            client& c = _clients[info.client];
            if (d.join) {
                on_join(c, info, *d.join);
            } else {
                on_sync(c, info, *d.sync);
            }
        }
    }

    void on_join(client& c, const ticket_info& info, const join_response& r) {
        if (r.error == group_error::member_id_required) {
            ++_cov.member_id_required;
            c.member_id = r.member_id;
            return;
        }
        if (r.error != group_error::none) {
            if (r.error == group_error::fenced_instance_id) ++_cov.fenced;
            if (r.error == group_error::unknown_member_id ||
                r.error == group_error::fenced_instance_id) {
                forget(c);
            } else {
                c.need_join = true;
            }
            return;
        }
        EXPECT_EQ(r.generation_id, _g.generation_id());
        // A join with no member id answered in a stable group: a static member's restart.
        if (_g.state() == group_state::stable && info.member_id.empty()) {
            ++_cov.static_rejoin_without_rebalance;
        }
        EXPECT_TRUE(_g.has_member(r.member_id)) << r.member_id;
        EXPECT_EQ(r.protocol_name, _g.protocol_name());
        if (!r.members.empty()) {
            EXPECT_EQ(r.leader, r.member_id);
        }
        c.member_id = r.member_id;
        c.generation = r.generation_id;
        c.need_sync = true;
        c.need_join = false;
        c.leader = r.leader == r.member_id && !r.members.empty();
        c.members.clear();
        for (const auto& m : r.members) c.members.push_back(m.member_id);
        _history.push_back(r.member_id);
    }

    // Per generation, a partition has one owner (the instance id for static members, whose
    // member id changes on restart), and an owner is always handed the same assignment.
    void on_sync(client& c, const ticket_info& info, const sync_response& r) {
        if (r.error != group_error::none) {
            if (info.member_id != c.member_id) return;  // a chaos request with another id
            if (r.error == group_error::unknown_member_id ||
                r.error == group_error::fenced_instance_id) {
                forget(c);
            } else {
                c.need_join = true;
            }
            return;
        }
        ASSERT_EQ(info.generation, _g.generation_id());
        ASSERT_TRUE(_g.has_member(info.member_id));
        std::string owner = info.member_id;
        for (const auto& m : _g.members()) {
            if (m.member_id == info.member_id && m.group_instance_id) owner = *m.group_instance_id;
        }
        auto& gen = _owner[info.generation];
        if (!r.assignment.empty()) ++_cov.assignments;
        auto [it, fresh] = gen.by_owner.emplace(owner, r.assignment);
        EXPECT_EQ(it->second, r.assignment) << "owner " << owner << " got two assignments";
        if (!fresh) return;
        for (uint8_t p : r.assignment) {
            ASSERT_LT(p, partitions);
            auto [pit, first] = gen.by_partition.emplace(p, owner);
            EXPECT_TRUE(first) << "partition " << int(p) << " of generation " << info.generation
                               << " owned by " << pit->second << " and " << owner;
        }
    }

    void check() {
        // Generation: never backwards, one step per completed rebalance; an event completes
        // at most one (all timers it arms lie in the future).
        int32_t gen = _g.generation_id();
        ASSERT_GE(gen, _generation);
        ASSERT_LE(gen, _generation + 1);
        if (gen != _generation) {
            ++_cov.generations;
            if (_g.state() == group_state::empty) ++_cov.empty_after_members;
            EXPECT_TRUE(_g.state() == group_state::completing_rebalance ||
                        _g.state() == group_state::empty)
                << to_string(_g.state());
        }
        _generation = gen;

        // Membership: removed ids never come back.
        std::set<std::string> now_present;
        for (const auto& m : _g.members()) {
            now_present.insert(m.member_id);
            EXPECT_FALSE(_removed.contains(m.member_id)) << m.member_id << " came back";
        }
        for (const auto& id : _present) {
            if (!now_present.contains(id)) _removed.insert(id);
        }
        _present = now_present;

        // State agrees with membership.
        if (_g.state() == group_state::stable) ++_cov.stable_events;
        switch (_g.state()) {
            case group_state::empty:
            case group_state::dead:
                EXPECT_TRUE(now_present.empty());
                EXPECT_EQ(_g.leader(), "");
                break;
            case group_state::preparing_rebalance:
                EXPECT_EQ(_g.leader().empty(), now_present.empty());
                break;
            case group_state::completing_rebalance:
            case group_state::stable:
                EXPECT_FALSE(now_present.empty());
                EXPECT_FALSE(_g.protocol_name().empty());
                break;
        }
        if (!now_present.empty()) {
            EXPECT_TRUE(now_present.contains(_g.leader()));
        }
    }

    // No more requests: time passes, deadline after deadline, until no timer is left
    // (every session ran out, every rebalance ended, including an initial delay that
    // outlives the members who left during it). Every parked request must be answered.
    void drain() {
        for (int i = 0; i < 1000 && _g.next_deadline_ms() != INT64_MAX; ++i) {
            _now = std::max(_now + 1, _g.next_deadline_ms());
            _g.tick(_now);
            collect();
            check();
        }
        EXPECT_EQ(_g.next_deadline_ms(), INT64_MAX);
        EXPECT_TRUE(_open.empty()) << _open.size() << " requests never answered";
        EXPECT_TRUE(_present.empty());
        EXPECT_TRUE(_g.state() == group_state::empty || _g.state() == group_state::dead)
            << to_string(_g.state());
    }

    struct generation_owners {
        std::map<std::string, std::vector<uint8_t>> by_owner;
        std::map<uint8_t, std::string> by_partition;
    };

    std::mt19937_64 _rng;
    group_stm _g;
    coverage& _cov;
    int _chaos_percent;
    int64_t _now = 0;
    uint64_t _next_ticket = 1;
    std::vector<client> _clients;
    std::map<uint64_t, ticket_info> _open;
    std::vector<std::string> _history;  // member ids seen, for stale-id joins
    int32_t _generation = 0;
    std::set<std::string> _present;
    std::set<std::string> _removed;
    std::map<int32_t, generation_owners> _owner;
    std::optional<group_snapshot> _stored;  // the last group record the driver wrote
    uint64_t _stored_seq = 0;
};

TEST(group_stm_random, invariants_hold_after_every_event) {
    std::vector<uint64_t> seeds;
    if (const char* s = std::getenv("SLUICE_SEED")) {
        seeds.push_back(std::strtoull(s, nullptr, 10));
    } else {
        for (uint64_t s = 1; s <= 12; ++s) seeds.push_back(s);
    }
    coverage cov;
    for (uint64_t seed : seeds) {
        SCOPED_TRACE("seed " + std::to_string(seed) +
                     " (replay: SLUICE_SEED=" + std::to_string(seed) + ")");
        random_run run(seed, cov);
        run.run(4000);
        if (HasFailure()) return;
    }
    std::printf(
        "coverage: %d generations (%d empty), %d assignments, %d MEMBER_ID_REQUIRED, "
        "%d fenced, %d static restarts without rebalance, %d events in stable, %d coordinator "
        "restarts (%d back stable)\n",
        cov.generations, cov.empty_after_members, cov.assignments, cov.member_id_required,
        cov.fenced, cov.static_rejoin_without_rebalance, cov.stable_events, cov.restarts,
        cov.restored_stable);
    if (seeds.size() > 1) {
        EXPECT_GT(cov.generations, 300);
        EXPECT_GT(cov.empty_after_members, 10);
        EXPECT_GT(cov.assignments, 500);
        EXPECT_GT(cov.member_id_required, 100);
        EXPECT_GT(cov.fenced, 100);
        EXPECT_GT(cov.static_rejoin_without_rebalance, 10);
        EXPECT_GT(cov.stable_events, 5000);
        EXPECT_GT(cov.restarts, 40);
        EXPECT_GT(cov.restored_stable, 5);
    }
}

}  // namespace
}  // namespace sluice::group::testing
