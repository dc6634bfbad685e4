#pragma once
// Errors of the protocol module (decoding). Kafka's own error codes are in kafka_error.h.

#include "sluice/common/result.h"

namespace sluice::protocol {

enum class errc {
    truncated = 1,        // the message ends before a field does
    invalid_length,       // a length or count below -1 or beyond the bytes left
    invalid_varint,       // a varint longer than 5 (10) bytes
    null_not_allowed,     // null where this version does not allow it
    trailing_bytes,       // bytes left after the message
    unsupported_version,  // the api version is outside what the broker supports
    unknown_api,          // the api key is not one the broker knows
};

template <class T>
using result = common::result<T, errc>;
using common::fail;

const char* describe(errc e);

}  // namespace sluice::protocol
