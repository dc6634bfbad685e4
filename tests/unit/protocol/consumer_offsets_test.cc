// Versioned "data" structs: the __consumer_offsets records (consumer_offsets.h) against bytes
// worked out by hand from Kafka 3.8's OffsetCommitKey/Value and GroupMetadataKey/Value JSON,
// and the consumer protocol's subscription/assignment (consumer_protocol.h) against
// kafka-python 2.0.2's encoder (Debian python3-kafka 2.0.2-3, /usr/bin/python3):
//   from kafka.coordinator.protocol import ConsumerProtocolMemberMetadata as MM
//   from kafka.coordinator.protocol import ConsumerProtocolMemberAssignment as MA
//   MM(0, ['orders', 't2'], b''); MM(0, ['orders'], None)
//   MA(0, [('orders', [0, 1])], b''); MA(0, [('orders', [2]), ('t2', [0])], None)
// (.encode().hex() of each, the object bound to a name first).

#include <gtest/gtest.h>

#include "sluice/protocol/messages/consumer_offsets.h"
#include "sluice/protocol/messages/consumer_protocol.h"

#include "wire_test_util.h"

namespace sluice::protocol::testing {
namespace {

// The versioned-data forms of round_trip and expect_truncations_fail; inside this namespace
// they hide the message forms in wire_test_util.h.

/// Decode, expect `version`, encode again at that version and expect the same bytes.
template <class T>
T round_trip(const std::vector<uint8_t>& bytes, int16_t version) {
    auto d = decode_versioned<T>(bytes);
    EXPECT_TRUE(d) << "v" << version;
    if (!d) return T{};
    EXPECT_EQ(d->version, version);
    EXPECT_EQ(encode_versioned(d->value, version), bytes) << "v" << version;
    return d->value;
}

template <class T>
void expect_truncations_fail(const T& value, int16_t version) {
    auto bytes = encode_versioned(value, version);
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
        EXPECT_FALSE(decode_versioned<T>({bytes.data(), cut})) << "v" << version << " " << cut;
    }
}

constexpr int64_t ts = 1700000000000;  // 00 00 01 8b cf e5 68 00

// --- __consumer_offsets: offset commits -------------------------------------------------

// The worked example of consumer_offsets.h: "g1" commits offset 42 of "t"-0 at leader
// epoch 5, metadata "", at 1700000000000 ms, as Kafka 3.8 writes it (key v1, value v3).
TEST(consumer_offsets, offset_commit_worked_example) {
    const auto key = cat({
        h("0001"),           // version 1
        h("0002"), s("g1"),  // group
        h("0001"), s("t"),   // topic
        h("00000000"),       // partition 0
    });
    const auto value = cat({
        h("0003"),              // version 3
        h("000000000000002a"),  // offset 42
        h("00000005"),          // leader_epoch 5
        h("0000"),              // metadata ""
        h("0000018bcfe56800"),  // commit_timestamp 1700000000000
    });
    EXPECT_EQ(encode_versioned(offset_commit_key{"g1", "t", 0}, 1), key);
    EXPECT_EQ(encode_versioned(offset_commit_value{42, 5, "", ts, -1}, 3), value);
    auto k = round_trip<offset_commit_key>(key, 1);
    EXPECT_EQ(k.group, "g1");
    EXPECT_EQ(k.topic, "t");
    auto v = round_trip<offset_commit_value>(value, 3);
    EXPECT_EQ(v.offset, 42);
    EXPECT_EQ(v.leader_epoch, 5);
    EXPECT_EQ(v.commit_timestamp, ts);
    EXPECT_EQ(v.expire_timestamp, -1);
    // Key v0 is the same struct.
    auto k0 = key;
    k0[1] = 0;
    EXPECT_EQ(round_trip<offset_commit_key>(k0, 0).topic, "t");
}

TEST(consumer_offsets, offset_commit_value_every_version) {
    const offset_commit_value value{42, 5, "meta", ts, ts + 86400000};
    for (int16_t v = 0; v <= 4; ++v) {
        auto back = round_trip<offset_commit_value>(encode_versioned(value, v), v);
        EXPECT_EQ(back.metadata, "meta") << v;
        EXPECT_EQ(back.leader_epoch, v >= 3 ? 5 : -1) << v;
        EXPECT_EQ(back.expire_timestamp, v == 1 ? ts + 86400000 : -1) << v;
        expect_truncations_fail(value, v);
    }
    // v1 (written when the commit had a retention time): the expire timestamp follows.
    EXPECT_EQ(encode_versioned(value, 1), cat({h("0001 000000000000002a 0004"), s("meta"),
                                               h("0000018bcfe56800"), h("0000018bd50bc400")}));
    // v4 is flexible: compact string and a tagged-field section.
    EXPECT_EQ(encode_versioned(value, 4),
              cat({h("0004 000000000000002a 00000005 05"), s("meta"), h("0000018bcfe56800 00")}));
}

// --- __consumer_offsets: group metadata -------------------------------------------------

group_metadata_value stable_group() {
    group_metadata_value g;
    g.protocol_type = "consumer";
    g.generation = 3;
    g.protocol = "range";
    g.leader = "m-1";
    g.current_state_timestamp = ts;
    g.members = {{"m-1", std::nullopt, "c-1", "/10.0.0.1", 300000, 10000, {0xaa}, {0xbb}}};
    return g;
}

TEST(consumer_offsets, group_metadata_worked_example) {
    const auto key = cat({h("0002 0002"), s("g1")});  // version 2, group "g1"
    EXPECT_EQ(encode_versioned(group_metadata_key{"g1"}, 2), key);
    EXPECT_EQ(round_trip<group_metadata_key>(key, 2).group, "g1");
    const auto value = cat({
        h("0003"),  // version 3 (what Kafka 3.8 writes)
        h("0008"),
        s("consumer"),  // protocol_type
        h("00000003"),  // generation 3
        h("0005"),
        s("range"),  // protocol
        h("0003"),
        s("m-1"),               // leader
        h("0000018bcfe56800"),  // current_state_timestamp
        h("00000001"),          // members: 1
        h("0003"),
        s("m-1"),   //   member_id
        h("ffff"),  //   group_instance_id null
        h("0003"),
        s("c-1"),  //   client_id
        h("0009"),
        s("/10.0.0.1"),    //   client_host
        h("000493e0"),     //   rebalance_timeout 300000
        h("00002710"),     //   session_timeout 10000
        h("00000001 aa"),  //   subscription
        h("00000001 bb"),  //   assignment
    });
    EXPECT_EQ(encode_versioned(stable_group(), 3), value);
    auto back = round_trip<group_metadata_value>(value, 3);
    EXPECT_EQ(back.leader, "m-1");
    EXPECT_EQ(back.members[0].subscription, bytes({0xaa}));
    // An empty group: no protocol, no leader.
    group_metadata_value empty;
    empty.protocol_type = "consumer";
    empty.generation = 4;
    empty.protocol = std::nullopt;
    empty.leader = std::nullopt;
    empty.current_state_timestamp = ts;
    const auto empty_value =
        cat({h("0003 0008"), s("consumer"), h("00000004 ffff ffff 0000018bcfe56800 00000000")});
    EXPECT_EQ(encode_versioned(empty, 3), empty_value);
    auto e = round_trip<group_metadata_value>(empty_value, 3);
    EXPECT_FALSE(e.protocol);
    EXPECT_FALSE(e.leader);
}

TEST(consumer_offsets, group_metadata_value_every_version) {
    auto g = stable_group();
    g.members[0].group_instance_id = "i-1";
    for (int16_t v = 0; v <= 4; ++v) {
        auto back = round_trip<group_metadata_value>(encode_versioned(g, v), v);
        const auto& m = back.members[0];
        EXPECT_EQ(m.rebalance_timeout, v >= 1 ? 300000 : -1) << v;
        EXPECT_EQ(back.current_state_timestamp, v >= 2 ? ts : -1) << v;
        EXPECT_EQ(m.group_instance_id.has_value(), v >= 3) << v;
        EXPECT_EQ(m.assignment, bytes({0xbb})) << v;
        expect_truncations_fail(g, v);
    }
}

TEST(consumer_offsets, refuses_unknown_versions_and_trailing_bytes) {
    // The key's version tells the records apart: 0-1 offset commit, 2 group metadata.
    const auto group_key = encode_versioned(group_metadata_key{"g1"}, 2);
    EXPECT_EQ(*peek_version(group_key), 2);
    EXPECT_EQ(decode_versioned<offset_commit_key>(group_key).error(), errc::unsupported_version);
    auto offset_key = encode_versioned(offset_commit_key{"g1", "t", 0}, 1);
    EXPECT_EQ(decode_versioned<group_metadata_key>(offset_key).error(), errc::unsupported_version);
    // KIP-848 record keys (3+) and versions from the future.
    auto future = encode_versioned(offset_commit_value{42, 5, "", ts, -1}, 3);
    for (int16_t v : {5, 6, -1, INT16_MAX}) {
        future[0] = static_cast<uint8_t>(static_cast<uint16_t>(v) >> 8);
        future[1] = static_cast<uint8_t>(v);
        EXPECT_EQ(decode_versioned<offset_commit_value>(future).error(), errc::unsupported_version);
        EXPECT_EQ(decode_versioned<group_metadata_value>(future).error(),
                  errc::unsupported_version);
    }
    offset_key.push_back(0);
    EXPECT_EQ(decode_versioned<offset_commit_key>(offset_key).error(), errc::trailing_bytes);
    EXPECT_EQ(decode_versioned<offset_commit_key>(std::span<const uint8_t>{}).error(),
              errc::truncated);
    EXPECT_FALSE(peek_version(h("00")));
    // A lying member count cannot allocate beyond the bytes present.
    auto lying = cat({h("0003 0000 00000000 ffff ffff 0000000000000000 7fffffff")});
    EXPECT_FALSE(decode_versioned<group_metadata_value>(lying));
}

// --- Consumer protocol ------------------------------------------------------------------

const auto py_meta1 = h("0000 00000002 0006 6f7264657273 0002 7432 00000000");
const auto py_meta2 = h("0000 00000001 0006 6f7264657273 ffffffff");
const auto py_assign1 = h("0000 00000001 0006 6f7264657273 00000002 00000000 00000001 00000000");
const auto py_assign2 =
    h("0000 00000002 0006 6f7264657273 00000001 00000002 0002 7432 00000001 00000000 ffffffff");

TEST(consumer_protocol, matches_kafka_python) {
    static const std::vector<uint8_t> no_bytes;
    consumer_protocol_subscription sub;
    sub.topics = {"orders", "t2"};
    sub.user_data = std::span<const uint8_t>(no_bytes);
    EXPECT_EQ(encode_versioned(sub, 0), py_meta1);
    sub.topics = {"orders"};
    sub.user_data = std::nullopt;
    EXPECT_EQ(encode_versioned(sub, 0), py_meta2);
    auto m1 = round_trip<consumer_protocol_subscription>(py_meta1, 0);
    EXPECT_EQ(m1.topics, std::vector<std::string>({"orders", "t2"}));
    ASSERT_TRUE(m1.user_data);
    EXPECT_TRUE(m1.user_data->empty());
    EXPECT_FALSE(round_trip<consumer_protocol_subscription>(py_meta2, 0).user_data);

    consumer_protocol_assignment a;
    a.assigned_partitions = {{"orders", {0, 1}}};
    a.user_data = std::span<const uint8_t>(no_bytes);
    EXPECT_EQ(encode_versioned(a, 0), py_assign1);
    a.assigned_partitions = {{"orders", {2}}, {"t2", {0}}};
    a.user_data = std::nullopt;
    EXPECT_EQ(encode_versioned(a, 0), py_assign2);
    auto a2 = round_trip<consumer_protocol_assignment>(py_assign2, 0);
    ASSERT_EQ(a2.assigned_partitions.size(), 2u);
    EXPECT_EQ(a2.assigned_partitions[1].topic, "t2");
    EXPECT_EQ(a2.assigned_partitions[0].partitions, std::vector<int32_t>({2}));
}

consumer_protocol_subscription v3_subscription(std::span<const uint8_t> user_data) {
    consumer_protocol_subscription sub;
    sub.topics = {"orders"};
    sub.user_data = user_data;
    sub.owned_partitions = {{"orders", {0}}};
    sub.generation_id = 5;
    sub.rack_id = "r1";
    return sub;
}

TEST(consumer_protocol, subscription_v3_bytes_and_every_version) {
    static const std::vector<uint8_t> ud = {0xaa, 0xbb};
    const auto v3 = cat({
        h("0003"),                        // version 3
        h("00000001 0006"), s("orders"),  // topics: ["orders"]
        h("00000002 aabb"),               // user_data
        h("00000001 0006"), s("orders"),  // owned_partitions: orders
        h("00000001 00000000"),           //   [0]
        h("00000005"),                    // generation_id 5
        h("0002"), s("r1"),               // rack_id
    });
    EXPECT_EQ(encode_versioned(v3_subscription(ud), 3), v3);
    auto back = round_trip<consumer_protocol_subscription>(v3, 3);
    // user_data is a view into the decoded bytes.
    ASSERT_TRUE(back.user_data);
    EXPECT_EQ(back.user_data->data(), v3.data() + 18);
    EXPECT_EQ(back.rack_id, "r1");
    for (int16_t v = 0; v <= 3; ++v) {
        auto bytes = encode_versioned(v3_subscription(ud), v);
        auto sub = round_trip<consumer_protocol_subscription>(bytes, v);
        EXPECT_EQ(sub.owned_partitions.size(), v >= 1 ? 1u : 0u) << v;
        EXPECT_EQ(sub.generation_id, v >= 2 ? 5 : -1) << v;
        EXPECT_EQ(sub.rack_id.has_value(), v >= 3) << v;
        expect_truncations_fail(v3_subscription(ud), v);
        consumer_protocol_assignment a{{{"orders", {0, 1}}}, std::span<const uint8_t>(ud)};
        auto ab = encode_versioned(a, v);
        EXPECT_EQ(round_trip<consumer_protocol_assignment>(ab, v).assigned_partitions[0].partitions,
                  std::vector<int32_t>({0, 1}));
        expect_truncations_fail(a, v);
    }
}

// Java's ConsumerProtocol reads a version above the highest it knows as the highest and
// ignores what follows; decode_versioned stays strict.
TEST(consumer_protocol, newer_versions_read_as_the_highest_known) {
    static const std::vector<uint8_t> ud = {0xaa};
    auto v4 = encode_versioned(v3_subscription(ud), 3);
    v4[1] = 4;
    v4.insert(v4.end(), {0x00, 0x00, 0x00, 0x07});  // a field v4 might add
    EXPECT_EQ(decode_versioned<consumer_protocol_subscription>(v4).error(),
              errc::unsupported_version);
    auto sub = decode_consumer_protocol<consumer_protocol_subscription>(v4);
    ASSERT_TRUE(sub);
    EXPECT_EQ(sub->version, 4);
    EXPECT_EQ(sub->value.rack_id, "r1");
    EXPECT_EQ(sub->value.generation_id, 5);
    auto a = encode_versioned(consumer_protocol_assignment{{{"t", {3}}}, std::nullopt}, 0);
    EXPECT_EQ(decode_consumer_protocol<consumer_protocol_assignment>(a)->version, 0);
    a[1] = 9;
    auto a9 = decode_consumer_protocol<consumer_protocol_assignment>(a);
    ASSERT_TRUE(a9);
    EXPECT_EQ(a9->value.assigned_partitions[0].partitions, std::vector<int32_t>({3}));
    a[0] = 0xff;  // negative
    EXPECT_EQ(decode_consumer_protocol<consumer_protocol_assignment>(a).error(),
              errc::unsupported_version);
    EXPECT_FALSE(decode_consumer_protocol<consumer_protocol_assignment>(h("00")));
    auto cut = encode_versioned(v3_subscription(ud), 3);
    cut.pop_back();
    EXPECT_FALSE(decode_consumer_protocol<consumer_protocol_subscription>(cut));
}

}  // namespace
}  // namespace sluice::protocol::testing
