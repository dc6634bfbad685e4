#pragma once
// Errors of the compression module: one closed enum. The broker maps these to Kafka error
// codes in exactly one place (a switch with no default).

#include "sluice/common/result.h"

namespace sluice::compression {

enum class errc {
    corrupt = 1,        // not a valid stream of the codec: bad magic, checksum, data, truncated,
                        // or bytes left over after the last frame/member/block
    too_large,          // the output would exceed max_out (or a zstd frame needs a larger window)
    unsupported_codec,  // the codec id is not 0..4 (attribute bits 0-2 of a batch)
    invalid_level,      // the compression level is outside the codec's range
    no_memory,          // the codec library could not allocate its state
};

template <class T>
using result = common::result<T, errc>;
using common::fail;

/// A short English description, for logs and error messages.
const char* describe(errc e);

}  // namespace sluice::compression
