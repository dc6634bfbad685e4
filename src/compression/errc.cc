#include "sluice/compression/errc.h"

namespace sluice::compression {

const char* describe(errc e) {
    switch (e) {
        case errc::corrupt:
            return "compressed data is corrupt or truncated";
        case errc::too_large:
            return "decompressed data would exceed the size limit";
        case errc::unsupported_codec:
            return "unsupported compression codec";
        case errc::invalid_level:
            return "compression level out of range for the codec";
        case errc::no_memory:
            return "codec library could not allocate its state";
    }
    return "unknown compression error";
}

}  // namespace sluice::compression
