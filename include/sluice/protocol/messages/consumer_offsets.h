#pragma once
// The records of the __consumer_offsets topic, in Kafka's layout so that Kafka's tools
// (kafka-console-consumer with the offsets formatter, kafka-dump-log --offsets-decoder) can
// read our offsets topic. Declared from Kafka 3.8's OffsetCommitKey.json,
// OffsetCommitValue.json, GroupMetadataKey.json and GroupMetadataValue.json
// (group-coordinator/src/main/resources/common/message/).
//
// Every record key and value is `int16 version` followed by the struct encoded at that
// version (Kafka's "data" types: own versions, no API key). The key's version says which
// record it is, so a reader peeks it first (peek_version) and then decodes:
//
//   key version | key                 | value
//   ------------+---------------------+---------------------------------------------------
//   0, 1        | offset_commit_key   | offset_commit_value: one partition's committed offset
//   2           | group_metadata_key  | group_metadata_value: a classic group's members
//   3+          | (KIP-848 records)   | not written by sluice; a reader skips them
//
// A null value (a tombstone) deletes the key's offset or group; it has no version and is
// not passed to decode_versioned. Kafka 3.8 writes key v1 / value v3 for offsets (value v1
// when the commit carried an expire timestamp) and key v2 / value v3 for groups: the
// highest non-flexible versions (MetadataVersion.offsetCommitValueVersion,
// groupMetadataValueVersion). Value v4 of both is flexible (compact strings, a tagged-field
// section); it is declared so a reader accepts it.
//
// Byte layout of the records sluice writes (all integers big-endian, strings int16 length +
// UTF-8, bytes int32 length):
//
//   offset_commit_key v1           offset_commit_value v3
//   off  size  field               off  size  field
//   0    2     version = 1         0    2     version = 3
//   2    2+n   group               2    8     offset
//   ...  2+n   topic               10   4     leader_epoch (-1: unknown)
//   ...  4     partition           14   2+n   metadata (never null here)
//                                  ...  8     commit_timestamp (ms)
//
// Worked example: group "g1" commits offset 42 of "t"-0 at leader epoch 5, metadata "",
// at 1700000000000 ms:
//   key   00 01 | 00 02 67 31 | 00 01 74 | 00 00 00 00
//   value 00 03 | 00 00 00 00 00 00 00 2a | 00 00 00 05 | 00 00 | 00 00 01 8b cf e5 68 00
//
// There is no checksum here: the record batch that carries the record has the CRC.
// Decoding is bounded (lengths checked against the bytes left), refuses a version the type
// does not declare (unsupported_version) and bytes after the struct (trailing_bytes).

#include <cstdint>
#include <span>
#include <vector>

#include "sluice/common/assert.h"
#include "sluice/protocol/schema.h"

namespace sluice::protocol {

/// A struct Kafka declares as `"type": "data"`: its own versions, no API key.
template <class T>
concept versioned_data = declared_struct<T> && requires {
    T::valid;
    T::flexible;
};

/// A decoded versioned struct and the version it was written at.
template <class T>
struct versioned {
    int16_t version = 0;
    T value;
};

/// The leading int16 version of a versioned key or value.
[[nodiscard]] inline result<int16_t> peek_version(std::span<const uint8_t> bytes) {
    wire_reader r(bytes);
    int16_t v = r.i16();
    if (!r.ok()) return fail(*r.error());
    return v;
}

/// `version` as int16 followed by `value` encoded at that version. The version must be
/// one T declares (a broken invariant otherwise: the caller picks it).
template <versioned_data T>
std::vector<uint8_t> encode_versioned(const T& value, int16_t version) {
    SLUICE_ASSERT(T::valid.has(version), "version %d outside %d-%d", version, T::valid.min,
                  T::valid.max);
    std::vector<uint8_t> out;
    wire_writer w(out);
    w.i16(version);
    encode_struct(w, value, codec_ctx{version, T::flexible.has(version)});
    return out;
}

/// Decode the struct that follows the version in `bytes`, at `version`; with
/// `allow_trailing` the bytes after the struct are ignored.
template <versioned_data T>
result<T> decode_versioned_body(std::span<const uint8_t> body, int16_t version,
                                bool allow_trailing) {
    T value{};
    wire_reader r(body);
    decode_struct(r, value, codec_ctx{version, T::flexible.has(version)});
    if (!r.ok()) return fail(*r.error());
    if (!allow_trailing && r.remaining() != 0) return fail(errc::trailing_bytes);
    return value;
}

/// Read the version, refuse one T does not declare, decode the rest; nothing may follow.
template <versioned_data T>
result<versioned<T>> decode_versioned(std::span<const uint8_t> bytes) {
    auto version = peek_version(bytes);
    if (!version) return fail(version.error());
    if (!T::valid.has(*version)) return fail(errc::unsupported_version);
    auto value = decode_versioned_body<T>(bytes.subspan(2), *version, false);
    if (!value) return fail(value.error());
    return versioned<T>{*version, std::move(*value)};
}

// OffsetCommitKey: versions 0-1 (identical), never flexible. Kafka writes v1.
struct offset_commit_key {
    static constexpr versions valid = between(0, 1);
    static constexpr versions flexible = never();

    std::string group;
    std::string topic;
    int32_t partition = 0;

    static constexpr auto fields() {
        using T = offset_commit_key;
        return std::tuple{
            field<&T::group>("group", between(0, 1)),
            field<&T::topic>("topic", between(0, 1)),
            field<&T::partition>("partition", between(0, 1)),
        };
    }
};

// OffsetCommitValue: versions 0-4, flexible 4+. v1 alone has an expire timestamp (from
// OffsetCommit v2-4's retention time), v3 adds the leader epoch.
struct offset_commit_value {
    static constexpr versions valid = between(0, 4);
    static constexpr versions flexible = since(4);

    int64_t offset = 0;
    int32_t leader_epoch = -1;
    std::string metadata;
    int64_t commit_timestamp = 0;
    int64_t expire_timestamp = -1;  // v1 only

    static constexpr auto fields() {
        using T = offset_commit_value;
        return std::tuple{
            field<&T::offset>("offset", since(0)),
            field<&T::leader_epoch>("leaderEpoch", since(3)),
            field<&T::metadata>("metadata", since(0)),
            field<&T::commit_timestamp>("commitTimestamp", since(0)),
            field<&T::expire_timestamp>("expireTimestamp", between(1, 1)),
        };
    }
};

// GroupMetadataKey: version 2 only (versions 0-1 are offset_commit_key).
struct group_metadata_key {
    static constexpr versions valid = between(2, 2);
    static constexpr versions flexible = never();

    std::string group;

    static constexpr auto fields() {
        using T = group_metadata_key;
        return std::tuple{
            field<&T::group>("group", between(2, 2)),
        };
    }
};

/// One member of a classic group (Kafka's MemberMetadata in GroupMetadataValue).
struct group_metadata_member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    int32_t rebalance_timeout = -1;
    int32_t session_timeout = 0;
    bytes subscription;  // the chosen protocol's JoinGroup metadata
    bytes assignment;    // what SyncGroup gave the member

    static constexpr auto fields() {
        using T = group_metadata_member;
        return std::tuple{
            field<&T::member_id>("memberId", since(0)),
            field<&T::group_instance_id>("groupInstanceId", since(3), since(3)),
            field<&T::client_id>("clientId", since(0)),
            field<&T::client_host>("clientHost", since(0)),
            field<&T::rebalance_timeout>("rebalanceTimeout", since(1)),
            field<&T::session_timeout>("sessionTimeout", since(0)),
            field<&T::subscription>("subscription", since(0)),
            field<&T::assignment>("assignment", since(0)),
        };
    }
};

// GroupMetadataValue: versions 0-4, flexible 4+. v1 adds the members' rebalance timeout,
// v2 the state timestamp, v3 static membership.
struct group_metadata_value {
    static constexpr versions valid = between(0, 4);
    static constexpr versions flexible = since(4);

    std::string protocol_type;
    int32_t generation = 0;
    std::optional<std::string> protocol = "";  // null while the group is empty
    std::optional<std::string> leader = "";    // null while the group is empty
    int64_t current_state_timestamp = -1;
    std::vector<group_metadata_member> members;

    static constexpr auto fields() {
        using T = group_metadata_value;
        return std::tuple{
            field<&T::protocol_type>("protocolType", since(0)),
            field<&T::generation>("generation", since(0)),
            field<&T::protocol>("protocol", since(0), since(0)),
            field<&T::leader>("leader", since(0), since(0)),
            field<&T::current_state_timestamp>("currentStateTimestamp", since(2)),
            field<&T::members>("members", since(0)),
        };
    }
};

}  // namespace sluice::protocol
