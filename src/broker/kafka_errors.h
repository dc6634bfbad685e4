#pragma once
// The one place where storage errors become Kafka error codes.

#include "sluice/protocol/kafka_error.h"
#include "sluice/storage/errc.h"

namespace sluice::broker {

protocol::kafka_error to_kafka_error(storage::errc e);
inline int16_t code(protocol::kafka_error e) {
    return static_cast<int16_t>(e);
}

}  // namespace sluice::broker
