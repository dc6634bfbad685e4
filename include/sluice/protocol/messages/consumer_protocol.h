#pragma once
// The consumer protocol's bytes: what a member of a group with protocol type "consumer"
// puts in JoinGroup's protocol metadata (consumer_protocol_subscription) and what the
// leader puts in SyncGroup's assignments (consumer_protocol_assignment). Declared from Kafka
// 3.8's ConsumerProtocolSubscription.json and ConsumerProtocolAssignment.json.
//
// The broker never needs them to run a group: it passes the bytes through. It decodes them
// only to describe members (DescribeGroups consumers, the CLI's group describe).
//
// Both are versioned like the __consumer_offsets records (consumer_offsets.h): int16
// version, then the struct at that version, never flexible. Subscription v1 adds the owned
// partitions (KIP-429), v2 the generation (KIP-792), v3 the rack (KIP-881); assignment v1-3
// are v0. kafka-python sends v0; the Java client sends the highest version it knows.
//
// Later versions only append fields, so a reader follows Java's ConsumerProtocol rule:
// a version above the highest it knows is read as the highest, and what follows is ignored
// (decode_consumer_protocol). A negative version is refused.

#include <cstdint>

#include "sluice/protocol/messages/consumer_offsets.h"
#include "sluice/protocol/schema.h"

namespace sluice::protocol {

/// A topic and some of its partitions (Kafka's TopicPartition in both structs; Subscription
/// has it from v1, Assignment from v0).
struct consumer_protocol_topic_partition {
    std::string topic;
    std::vector<int32_t> partitions;

    static constexpr auto fields() {
        using T = consumer_protocol_topic_partition;
        return std::tuple{
            field<&T::topic>("Topic", since(0)),
            field<&T::partitions>("Partitions", since(0)),
        };
    }
};

// ConsumerProtocolSubscription: versions 0-3, not flexible.
struct consumer_protocol_subscription {
    static constexpr versions valid = between(0, 3);
    static constexpr versions flexible = never();

    std::vector<std::string> topics;
    bytes_view user_data;  // the assignor's, a view into the decoded bytes; may be null
    std::vector<consumer_protocol_topic_partition> owned_partitions;
    int32_t generation_id = -1;
    std::optional<std::string> rack_id;

    static constexpr auto fields() {
        using T = consumer_protocol_subscription;
        return std::tuple{
            field<&T::topics>("Topics", since(0)),
            field<&T::user_data>("UserData", since(0), since(0)),
            field<&T::owned_partitions>("OwnedPartitions", since(1)),
            field<&T::generation_id>("GenerationId", since(2)),
            field<&T::rack_id>("RackId", since(3), since(3)),
        };
    }
};

// ConsumerProtocolAssignment: versions 0-3 (all alike), not flexible.
struct consumer_protocol_assignment {
    static constexpr versions valid = between(0, 3);
    static constexpr versions flexible = never();

    std::vector<consumer_protocol_topic_partition> assigned_partitions;
    bytes_view user_data;  // the assignor's, a view into the decoded bytes; may be null

    static constexpr auto fields() {
        using T = consumer_protocol_assignment;
        return std::tuple{
            field<&T::assigned_partitions>("AssignedPartitions", since(0)),
            field<&T::user_data>("UserData", since(0), since(0)),
        };
    }
};

/// Decode consumer protocol bytes with Java's forward-compatible rule (ConsumerProtocol.
/// checkSubscriptionVersion): the returned version is the one sent, the value is read at
/// min(version, T::valid.max) and bytes after it are ignored. user_data views `bytes`.
template <versioned_data T>
result<versioned<T>> decode_consumer_protocol(std::span<const uint8_t> bytes) {
    auto version = peek_version(bytes);
    if (!version) return fail(version.error());
    if (*version < T::valid.min) return fail(errc::unsupported_version);
    int16_t read_as = *version > T::valid.max ? T::valid.max : *version;
    auto value = decode_versioned_body<T>(bytes.subspan(2), read_as, true);
    if (!value) return fail(value.error());
    return versioned<T>{*version, std::move(*value)};
}

}  // namespace sluice::protocol
