#pragma once
// wire_reader / wire_writer: Kafka's primitive types (KIP-482 flexible and classic).
//
// The reader is bounded and sticky: every read checks the bytes left first; on the first
// shortfall or impossible length it records the error, returns a zero value, and every
// later read fails too, so a decoder can read a whole struct and check ok() once. Lengths
// are checked against the bytes left before anything is allocated, so a lying length can
// never make the broker allocate more than the request it already holds.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sluice/protocol/errc.h"

namespace sluice::protocol {

using uuid = std::array<uint8_t, 16>;

class wire_reader {
  public:
    explicit wire_reader(std::span<const uint8_t> bytes)
        : _p(bytes.data()), _end(bytes.data() + bytes.size()) {}

    bool ok() const { return !_error; }
    std::optional<errc> error() const { return _error; }
    size_t remaining() const { return static_cast<size_t>(_end - _p); }
    const uint8_t* position() const { return _p; }
    void fail(errc e) {
        if (!_error) _error = e;
        _p = _end;
    }

    int8_t i8();
    int16_t i16();
    int32_t i32();
    int64_t i64();
    uint16_t u16();
    uint32_t u32();
    double f64();
    bool boolean() { return i8() != 0; }
    uuid read_uuid();
    uint32_t uvarint();
    int32_t varint();
    int64_t varlong();

    /// A length prefix: int16/int32 classic (-1 = null) or uvarint N+1 flexible (0 = null).
    /// Returns -1 for null; fails when the length is below -1 or beyond the bytes left
    /// (times `min_item_bytes` for arrays).
    int32_t string_length(bool flexible);
    int32_t bytes_length(bool flexible);
    int32_t array_length(bool flexible, size_t min_item_bytes = 1);

    std::optional<std::string> nullable_string(bool flexible);
    std::string string(bool flexible);
    /// A view into the request bytes (no copy): records, opaque metadata.
    std::optional<std::span<const uint8_t>> nullable_bytes(bool flexible);
    std::span<const uint8_t> take(size_t n);
    void skip(size_t n) { (void)take(n); }

  private:
    bool need(size_t n);
    const uint8_t* _p;
    const uint8_t* _end;
    std::optional<errc> _error;
};

class wire_writer {
  public:
    explicit wire_writer(std::vector<uint8_t>& out) : _out(out) {}

    void i8(int8_t v) { _out.push_back(static_cast<uint8_t>(v)); }
    void i16(int16_t v);
    void i32(int32_t v);
    void i64(int64_t v);
    void u16(uint16_t v) { i16(static_cast<int16_t>(v)); }
    void u32(uint32_t v) { i32(static_cast<int32_t>(v)); }
    void f64(double v);
    void boolean(bool v) { i8(v ? 1 : 0); }
    void write_uuid(const uuid& v) { raw(v); }
    void uvarint(uint32_t v);
    void varint(int32_t v);
    void varlong(int64_t v);

    void string_length(int32_t len, bool flexible);  // -1 = null
    void bytes_length(int32_t len, bool flexible);
    void array_length(int32_t len, bool flexible);
    void string(std::string_view s, bool flexible);
    void nullable_string(const std::optional<std::string>& s, bool flexible);
    void nullable_bytes(const std::optional<std::span<const uint8_t>>& b, bool flexible);
    void raw(std::span<const uint8_t> b) { _out.insert(_out.end(), b.begin(), b.end()); }

    size_t size() const { return _out.size(); }
    /// Overwrite a 4-byte big-endian value written earlier (frame sizes).
    void patch_i32(size_t at, int32_t v);
    std::vector<uint8_t>& buffer() { return _out; }

  private:
    std::vector<uint8_t>& _out;
};

}  // namespace sluice::protocol
