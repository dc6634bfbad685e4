#pragma once
// InitProducerId (key 22). Versions 0-4 (Kafka 3.8 declares 0-5; v5 is for transactions
// v2), flexible from 2. v3 adds the producer's current id and epoch (KIP-360, so it can
// bump its epoch after an error); an idempotent producer without a transactional id gets
// a fresh id with epoch 0 either way, as Kafka answers.

#include <cstdint>
#include <optional>
#include <string>

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

// InitProducerIdRequest: key 22, valid 0-4, flexible 2+.
struct init_producer_id_request {
    static constexpr int16_t api_key = 22;
    static constexpr versions valid = between(0, 4);
    static constexpr versions flexible = since(2);

    std::optional<std::string> transactional_id;
    int32_t transaction_timeout_ms = 0;
    int64_t producer_id = -1;
    int16_t producer_epoch = -1;

    static constexpr auto fields() {
        using T = init_producer_id_request;
        return std::tuple{
            field<&T::transactional_id>("TransactionalId", since(0), since(0)),
            field<&T::transaction_timeout_ms>("TransactionTimeoutMs", since(0)),
            field<&T::producer_id>("ProducerId", since(3)),
            field<&T::producer_epoch>("ProducerEpoch", since(3)),
        };
    }
};

// InitProducerIdResponse: key 22, valid 0-4, flexible 2+.
struct init_producer_id_response {
    static constexpr int16_t api_key = 22;
    static constexpr versions valid = between(0, 4);
    static constexpr versions flexible = since(2);

    int32_t throttle_time_ms = 0;
    int16_t error_code = 0;
    int64_t producer_id = -1;
    int16_t producer_epoch = 0;

    static constexpr auto fields() {
        using T = init_producer_id_response;
        return std::tuple{
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(0)),
            field<&T::error_code>("ErrorCode", since(0)),
            field<&T::producer_id>("ProducerId", since(0)),
            field<&T::producer_epoch>("ProducerEpoch", since(0)),
        };
    }
};

}  // namespace sluice::protocol
