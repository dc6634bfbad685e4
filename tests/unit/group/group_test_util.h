#pragma once
// A driver for group_stm in tests: hands out tickets, keeps the clock, and collects the
// deliveries by ticket, checking that no ticket is answered twice or unasked.

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "group/group_stm.h"

namespace sluice::group::testing {

inline std::vector<protocol_metadata> protos(std::initializer_list<const char*> names) {
    std::vector<protocol_metadata> out;
    for (const char* n : names) {
        protocol_metadata p;
        p.name = n;
        p.metadata.assign(n, n + std::char_traits<char>::length(n));
        out.push_back(std::move(p));
    }
    return out;
}

inline join_request make_join(const std::string& client_id, const std::string& member_id = "",
                              std::optional<std::string> instance = std::nullopt,
                              std::vector<protocol_metadata> protocols = protos({"range"})) {
    join_request r;
    r.member_id = member_id;
    r.group_instance_id = std::move(instance);
    r.client_id = client_id;
    r.client_host = "/127.0.0.1";
    r.session_timeout_ms = 10000;
    r.rebalance_timeout_ms = 30000;
    r.protocol_type = "consumer";
    r.protocols = std::move(protocols);
    return r;
}

inline std::vector<uint8_t> bytes(std::initializer_list<uint8_t> b) {
    return {b};
}

class harness {
  public:
    explicit harness(group_settings s = {}) : g("g", s) {}

    uint64_t join(const join_request& r) {
        uint64_t t = _next++;
        _asked.insert(t);
        g.join(t, r, now);
        collect();
        return t;
    }
    uint64_t sync(const std::string& member_id, int32_t generation,
                  std::vector<sync_assignment> assignments = {},
                  std::optional<std::string> instance = std::nullopt) {
        sync_request r;
        r.member_id = member_id;
        r.group_instance_id = std::move(instance);
        r.generation_id = generation;
        r.assignments = std::move(assignments);
        uint64_t t = _next++;
        _asked.insert(t);
        g.sync(t, r, now);
        collect();
        return t;
    }
    group_error heartbeat(const std::string& member_id, int32_t generation,
                          std::optional<std::string> instance = std::nullopt) {
        return g.heartbeat(member_id, instance, generation, now);
    }
    group_error leave(const std::string& member_id,
                      std::optional<std::string> instance = std::nullopt) {
        auto e = g.leave(member_id, instance, now);
        collect();
        return e;
    }
    void advance(int64_t ms) {
        now += ms;
        g.tick(now);
        collect();
        EXPECT_GT(g.next_deadline_ms(), now);
    }
    bool answered(uint64_t t) const { return _got.contains(t); }
    const join_response& join_answer(uint64_t t) const {
        EXPECT_TRUE(_got.contains(t)) << "ticket " << t << " not answered";
        EXPECT_TRUE(_got.at(t).join.has_value());
        return *_got.at(t).join;
    }
    const sync_response& sync_answer(uint64_t t) const {
        EXPECT_TRUE(_got.contains(t)) << "ticket " << t << " not answered";
        EXPECT_TRUE(_got.at(t).sync.has_value());
        return *_got.at(t).sync;
    }
    size_t unanswered() const { return _asked.size() - _got.size(); }

    group_stm g;
    int64_t now = 0;

  private:
    void collect() {
        for (auto& d : g.take_deliveries()) {
            ASSERT_TRUE(_asked.contains(d.ticket)) << "answer to unknown ticket " << d.ticket;
            ASSERT_FALSE(_got.contains(d.ticket)) << "ticket " << d.ticket << " answered twice";
            ASSERT_NE(d.join.has_value(), d.sync.has_value());
            _got.emplace(d.ticket, std::move(d));
        }
    }
    uint64_t _next = 1;
    std::set<uint64_t> _asked;
    std::map<uint64_t, delivery> _got;
};

}  // namespace sluice::group::testing
