#pragma once
// record_field_reader: reads the varint-framed fields of one Kafka record, bounded by the
// record's own declared end, so a bad key or header length is caught at the record that
// carries it and never reaches into the next record or past the batch. Shared by the
// batch validator and the record reader.

#include <cstdint>
#include <optional>
#include <span>

#include "sluice/common/varint.h"

namespace sluice::storage {

class record_field_reader {
  public:
    record_field_reader(const uint8_t* p, const uint8_t* end) : _p(p), _end(end) {}

    bool varint(int32_t& out) {
        auto d = common::decode_varint(_p, _end);
        if (!d) return false;
        out = d->value;
        _p += d->size_bytes;
        return true;
    }
    bool varlong(int64_t& out) {
        auto d = common::decode_varlong(_p, _end);
        if (!d) return false;
        out = d->value;
        _p += d->size_bytes;
        return true;
    }
    bool skip(int64_t n) {
        if (n < 0 || n > _end - _p) return false;
        _p += n;
        return true;
    }
    /// Key, value and header value lengths: -1 is null. Kafka reads any negative length
    /// as null; clients only ever write -1, so the validator treats anything else as
    /// corruption.
    bool skip_nullable() {
        int32_t length = 0;
        if (!varint(length)) return false;
        return length == -1 || skip(length);
    }
    /// A length-prefixed byte string as a view; a negative length reads as null.
    bool bytes(std::optional<std::span<const uint8_t>>& out) {
        int32_t n = 0;
        if (!varint(n)) return false;
        if (n < 0) {
            out.reset();
            return true;
        }
        if (n > _end - _p) return false;
        out = std::span<const uint8_t>(_p, static_cast<size_t>(n));
        _p += n;
        return true;
    }
    bool at_end() const { return _p == _end; }
    const uint8_t* pos() const { return _p; }

  private:
    const uint8_t* _p;
    const uint8_t* _end;
};

}  // namespace sluice::storage
