#pragma once
// Message declarations and the one generic codec that reads and writes them.
//
// Each Kafka message (and each nested struct) is a plain C++ struct plus one declaration:
//
//   struct topic_data {
//       std::string name;
//       std::vector<partition_data> partitions;
//       static constexpr auto fields() {
//           return std::tuple{field<&topic_data::name>("Name", since(0)),
//                             field<&topic_data::partitions>("Partitions", since(0))};
//       }
//   };
//
// The field list gives, in wire order, the versions each field exists in, the versions in
// which it may be null, and for tagged fields the tag. The wire type follows from the C++
// type (see encode_value/decode_value below). Flexible versions (KIP-482: compact strings,
// arrays and bytes, tagged-field sections) are a property of the message, passed down to
// every nested struct. Nothing else in the broker writes per-version branches.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "sluice/protocol/wire.h"

namespace sluice::protocol {

/// An inclusive version range; empty when min > max.
struct versions {
    int16_t min = 0;
    int16_t max = INT16_MAX;
    constexpr bool has(int16_t v) const { return v >= min && v <= max; }
};
constexpr versions since(int16_t min) {
    return {min, INT16_MAX};
}
constexpr versions between(int16_t min, int16_t max) {
    return {min, max};
}
constexpr versions never() {
    return {1, 0};
}

/// Opaque bytes that may be null, viewed in the request buffer (no copy).
using bytes_view = std::optional<std::span<const uint8_t>>;
/// Owned bytes (responses, metadata blobs).
using bytes = std::vector<uint8_t>;

/// Record bytes in a response that the connection sends from a file (splice), not from
/// memory: the codec writes the length prefix and remembers where the bytes go.
struct external_records {
    uint32_t length = 0;
    uint32_t id = 0;  // the caller's handle (index into its own table of file slices)
    std::optional<std::span<const uint8_t>> inline_bytes;  // used instead when set
};
/// Where external records go in an encoded buffer: `length` bytes of handle `id` are to be
/// sent right after byte `offset` of the buffer.
struct external_part {
    size_t offset;
    uint32_t length;
    uint32_t id;
};

template <auto Member>
struct field_decl {
    const char* name;
    versions present;
    versions nullable;
    int32_t tag;  // -1: not tagged
};

template <auto Member>
constexpr field_decl<Member> field(const char* name, versions present,
                                   versions nullable = never()) {
    return {name, present, nullable, -1};
}
/// A tagged field (KIP-482): written in the struct's tagged section, only when set.
template <auto Member>
constexpr field_decl<Member> tagged(const char* name, int32_t tag, versions present) {
    return {name, present, never(), tag};
}

template <class T>
concept declared_struct = requires {
    T::fields();
};

template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

/// std::optional around a declared struct: a tagged struct field.
template <class T>
struct is_optional_struct : std::false_type {};
template <class T>
requires requires {
    T::fields();
}
struct is_optional_struct<std::optional<T>> : std::true_type {};

template <class M>
struct member_type;
template <class C, class V>
struct member_type<V C::*> {
    using type = V;
};

/// Codec context: the version being read or written and whether it is flexible.
struct codec_ctx {
    int16_t version;
    bool flexible;
    std::vector<external_part>* externals = nullptr;  // for external_records (encoding)
};

// ---------------------------------------------------------------------------------------
// Minimum encoded size of a value, used to bound array counts before allocating.
template <class F>
struct decl_traits;
template <auto M>
struct decl_traits<field_decl<M>> {
    using value = typename member_type<decltype(M)>::type;
    static constexpr auto member = M;
};
template <class T>
constexpr size_t min_wire_bytes(const struct codec_ctx& c);

/// Smallest encoding of a value at the context's version: decoders check an array's count
/// against the bytes left divided by this before allocating, so a lying count cannot make
/// the broker allocate much more than the request it already holds.
template <class T>
constexpr size_t min_wire_bytes(const codec_ctx& c) {
    if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, int8_t>) {
        return 1;
    } else if constexpr (std::is_integral_v<T> || std::is_floating_point_v<T>) {
        return sizeof(T);
    } else if constexpr (std::is_same_v<T, uuid>) {
        return 16;
    } else if constexpr (std::is_same_v<T, std::string> ||
                         std::is_same_v<T, std::optional<std::string>>) {
        return c.flexible ? 1 : 2;
    } else if constexpr (declared_struct<T>) {
        size_t n = c.flexible ? 1 : 0;  // tagged section count
        std::apply(
            [&](auto... f) {
                ((n += f.tag < 0 && f.present.has(c.version)
                           ? min_wire_bytes<typename decl_traits<decltype(f)>::value>(c)
                           : 0),
                 ...);
            },
            T::fields());
        return n;
    } else {
        return c.flexible ? 1 : 4;  // bytes, records, arrays
    }
}

// ---------------------------------------------------------------------------------------
// Decoding.
template <class T>
void decode_value(wire_reader& r, T& out, const codec_ctx& c, bool nullable);
template <declared_struct S>
void decode_struct(wire_reader& r, S& s, const codec_ctx& c);

template <class T>
void decode_value(wire_reader& r, T& out, const codec_ctx& c, bool nullable) {
    if constexpr (std::is_same_v<T, bool>) {
        out = r.boolean();
    } else if constexpr (std::is_same_v<T, int8_t>) {
        out = r.i8();
    } else if constexpr (std::is_same_v<T, int16_t>) {
        out = r.i16();
    } else if constexpr (std::is_same_v<T, uint16_t>) {
        out = r.u16();
    } else if constexpr (std::is_same_v<T, int32_t>) {
        out = r.i32();
    } else if constexpr (std::is_same_v<T, uint32_t>) {
        out = r.u32();
    } else if constexpr (std::is_same_v<T, int64_t>) {
        out = r.i64();
    } else if constexpr (std::is_same_v<T, double>) {
        out = r.f64();
    } else if constexpr (std::is_same_v<T, uuid>) {
        out = r.read_uuid();
    } else if constexpr (std::is_same_v<T, std::string>) {
        auto s = r.nullable_string(c.flexible);
        if (!s && r.ok()) r.fail(errc::null_not_allowed);
        if (s) out = std::move(*s);
    } else if constexpr (std::is_same_v<T, std::optional<std::string>>) {
        out = r.nullable_string(c.flexible);
        if (!out && !nullable && r.ok()) r.fail(errc::null_not_allowed);
    } else if constexpr (std::is_same_v<T, bytes_view>) {
        out = r.nullable_bytes(c.flexible);
    } else if constexpr (std::is_same_v<T, bytes>) {
        auto b = r.nullable_bytes(c.flexible);
        if (b) out.assign(b->begin(), b->end());
    } else if constexpr (std::is_same_v<T, external_records>) {
        // A client (the replication fetcher) reading a Fetch response: a view in its buffer.
        out.inline_bytes = r.nullable_bytes(c.flexible);
        out.length = out.inline_bytes ? static_cast<uint32_t>(out.inline_bytes->size()) : 0;
    } else if constexpr (is_vector<T>::value) {
        using E = typename T::value_type;
        int32_t n = r.array_length(c.flexible, min_wire_bytes<E>(c));
        if (n < 0) {
            // Arrays that may be null are declared as std::optional<std::vector<T>>.
            if (r.ok()) r.fail(errc::null_not_allowed);
            return;
        }
        out.resize(static_cast<size_t>(n));
        for (auto& e : out) {
            decode_value(r, e, c, false);
            if (!r.ok()) return;
        }
    } else if constexpr (is_optional_struct<T>::value) {
        // A tagged struct: present means decode it.
        decode_struct(r, out.emplace(), c);
    } else if constexpr (is_optional<T>::value) {
        using E = typename T::value_type;
        static_assert(is_vector<E>::value, "optional<T> is for nullable strings and arrays");
        using V = typename E::value_type;
        int32_t n = r.array_length(c.flexible, min_wire_bytes<V>(c));
        if (n < 0) {
            out.reset();
            if (!nullable && r.ok()) r.fail(errc::null_not_allowed);
            return;
        }
        out.emplace(static_cast<size_t>(n));
        for (auto& e : *out) {
            decode_value(r, e, c, false);
            if (!r.ok()) return;
        }
    } else if constexpr (declared_struct<T>) {
        decode_struct(r, out, c);
    } else {
        static_assert(sizeof(T) == 0, "type has no Kafka wire encoding");
    }
}

template <declared_struct S>
void decode_tagged_section(wire_reader& r, S& s, const codec_ctx& c) {
    uint32_t count = r.uvarint();
    for (uint32_t i = 0; i < count && r.ok(); ++i) {
        uint32_t tag = r.uvarint();
        uint32_t size = r.uvarint();
        auto data = r.take(size);
        if (!r.ok()) return;
        wire_reader sub(data);
        std::apply(
            [&](auto... f) {
                ((f.tag == static_cast<int32_t>(tag) && f.present.has(c.version)
                      ? decode_value(sub, s.*(decl_traits<decltype(f)>::member), c, true)
                      : void()),
                 ...);
            },
            S::fields());
        // Unknown tags are skipped (their bytes were taken above); a malformed known tag
        // fails the message.
        if (!sub.ok()) r.fail(*sub.error());
    }
}

template <declared_struct S>
void decode_struct(wire_reader& r, S& s, const codec_ctx& c) {
    std::apply(
        [&](auto... f) {
            ((f.tag < 0 && f.present.has(c.version) && r.ok()
                  ? decode_value(r, s.*(decl_traits<decltype(f)>::member), c,
                                 f.nullable.has(c.version))
                  : void()),
             ...);
        },
        S::fields());
    if (c.flexible && r.ok()) decode_tagged_section(r, s, c);
}

// ---------------------------------------------------------------------------------------
// Encoding.
template <class T>
void encode_value(wire_writer& w, const T& v, const codec_ctx& c);
template <declared_struct S>
void encode_struct(wire_writer& w, const S& s, const codec_ctx& c);

template <class T>
void encode_value(wire_writer& w, const T& v, const codec_ctx& c) {
    if constexpr (std::is_same_v<T, bool>) {
        w.boolean(v);
    } else if constexpr (std::is_same_v<T, int8_t>) {
        w.i8(v);
    } else if constexpr (std::is_same_v<T, int16_t>) {
        w.i16(v);
    } else if constexpr (std::is_same_v<T, uint16_t>) {
        w.u16(v);
    } else if constexpr (std::is_same_v<T, int32_t>) {
        w.i32(v);
    } else if constexpr (std::is_same_v<T, uint32_t>) {
        w.u32(v);
    } else if constexpr (std::is_same_v<T, int64_t>) {
        w.i64(v);
    } else if constexpr (std::is_same_v<T, double>) {
        w.f64(v);
    } else if constexpr (std::is_same_v<T, uuid>) {
        w.write_uuid(v);
    } else if constexpr (std::is_same_v<T, std::string>) {
        w.string(v, c.flexible);
    } else if constexpr (std::is_same_v<T, std::optional<std::string>>) {
        w.nullable_string(v, c.flexible);
    } else if constexpr (std::is_same_v<T, bytes_view>) {
        w.nullable_bytes(v, c.flexible);
    } else if constexpr (std::is_same_v<T, bytes>) {
        w.nullable_bytes(std::span<const uint8_t>(v), c.flexible);
    } else if constexpr (std::is_same_v<T, external_records>) {
        if (v.inline_bytes) {
            w.nullable_bytes(v.inline_bytes, c.flexible);
        } else {
            w.bytes_length(static_cast<int32_t>(v.length), c.flexible);
            if (v.length > 0 && c.externals) c.externals->push_back({w.size(), v.length, v.id});
        }
    } else if constexpr (is_vector<T>::value) {
        w.array_length(static_cast<int32_t>(v.size()), c.flexible);
        for (const auto& e : v) encode_value(w, e, c);
    } else if constexpr (is_optional<T>::value) {
        if (!v) {
            w.array_length(-1, c.flexible);
            return;
        }
        encode_value(w, *v, c);
    } else if constexpr (declared_struct<T>) {
        encode_struct(w, v, c);
    } else {
        static_assert(sizeof(T) == 0, "type has no Kafka wire encoding");
    }
}

/// Tagged fields are written only when set: an engaged optional or a non-empty vector.
template <class T>
bool tagged_is_set(const T& v) {
    if constexpr (is_optional<T>::value) {
        return v.has_value();
    } else if constexpr (is_vector<T>::value || std::is_same_v<T, std::string>) {
        return !v.empty();
    } else if constexpr (std::is_arithmetic_v<T>) {
        return v != T{};
    } else {
        return true;
    }
}

template <declared_struct S>
void encode_struct(wire_writer& w, const S& s, const codec_ctx& c) {
    std::apply(
        [&](auto... f) {
            ((f.tag < 0 && f.present.has(c.version)
                  ? encode_value(w, s.*(decl_traits<decltype(f)>::member), c)
                  : void()),
             ...);
        },
        S::fields());
    if (!c.flexible) return;
    uint32_t count = 0;
    std::apply(
        [&](auto... f) {
            ((count += f.tag >= 0 && f.present.has(c.version) &&
                       tagged_is_set(s.*(decl_traits<decltype(f)>::member))),
             ...);
        },
        S::fields());
    w.uvarint(count);
    if (count == 0) return;
    // Declarations list tagged fields in ascending tag order, as the wire requires.
    std::apply(
        [&](auto... f) {
            (([&] {
                 const auto& v = s.*(decl_traits<decltype(f)>::member);
                 if (f.tag < 0 || !f.present.has(c.version) || !tagged_is_set(v)) return;
                 std::vector<uint8_t> tmp;
                 wire_writer tw(tmp);
                 codec_ctx tc{c.version, c.flexible, nullptr};
                 encode_value(tw, v, tc);
                 w.uvarint(static_cast<uint32_t>(f.tag));
                 w.uvarint(static_cast<uint32_t>(tmp.size()));
                 w.raw(tmp);
             }()),
             ...);
        },
        S::fields());
}

// ---------------------------------------------------------------------------------------
// Whole messages. A message type M declares api_key, valid (versions) and flexible (from).

template <class M>
concept kafka_message = declared_struct<M> && requires {
    M::api_key;
    M::valid;
    M::flexible;
};

template <kafka_message M>
constexpr bool is_flexible(int16_t version) {
    return M::flexible.has(version);
}

/// Decode a message body of `version` (the header already read).
template <kafka_message M>
result<M> decode_message(std::span<const uint8_t> body, int16_t version) {
    if (!M::valid.has(version)) return fail(errc::unsupported_version);
    M m{};
    wire_reader r(body);
    codec_ctx c{version, is_flexible<M>(version)};
    decode_struct(r, m, c);
    if (!r.ok()) return fail(*r.error());
    return m;
}

/// Append the encoded body of `m` at `version` to `out`.
template <kafka_message M>
void encode_message(const M& m, int16_t version, std::vector<uint8_t>& out,
                    std::vector<external_part>* externals = nullptr) {
    wire_writer w(out);
    codec_ctx c{version, is_flexible<M>(version), externals};
    encode_struct(w, m, c);
}

}  // namespace sluice::protocol
