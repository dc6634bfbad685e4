#pragma once
// FindCoordinator (key 10). Versions 0-5, flexible from 3. v1 adds the key type (0 group,
// 1 transaction) and an error message; v4 (KIP-699) replaces the single key with a batch:
// `coordinator_keys` in the request and one `coordinators` entry per key in the response,
// while the v0-3 top-level key, error and address fields disappear. v5 is v4 plus one error
// code a v5 client understands (TRANSACTION_ABORTABLE, KIP-890).
//
// Defaults are Kafka's: a nullable string without a "default" in Kafka's schema starts ""
// (as in Kafka's generated classes); only `"default": "null"` ones start null.

#include <cstdint>

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

// FindCoordinatorRequest: key 10, valid 0-5, flexible 3+.
struct find_coordinator_request {
    static constexpr int16_t api_key = 10;
    static constexpr versions valid = between(0, 5);
    static constexpr versions flexible = since(3);

    std::string key;                            // v0-3
    int8_t key_type = 0;                        // 0 group, 1 transaction
    std::vector<std::string> coordinator_keys;  // v4+

    static constexpr auto fields() {
        using T = find_coordinator_request;
        return std::tuple{
            field<&T::key>("Key", between(0, 3)),
            field<&T::key_type>("KeyType", since(1)),
            field<&T::coordinator_keys>("CoordinatorKeys", since(4)),
        };
    }
};

/// One key's coordinator in a batched (v4+) answer.
struct find_coordinator_response_coordinator {
    std::string key;
    int32_t node_id = 0;
    std::string host;
    int32_t port = 0;
    int16_t error_code = 0;
    std::optional<std::string> error_message = "";

    static constexpr auto fields() {
        using T = find_coordinator_response_coordinator;
        return std::tuple{
            field<&T::key>("Key", since(4)),
            field<&T::node_id>("NodeId", since(4)),
            field<&T::host>("Host", since(4)),
            field<&T::port>("Port", since(4)),
            field<&T::error_code>("ErrorCode", since(4)),
            field<&T::error_message>("ErrorMessage", since(4), since(4)),
        };
    }
};

// FindCoordinatorResponse: key 10, valid 0-5, flexible 3+.
struct find_coordinator_response {
    static constexpr int16_t api_key = 10;
    static constexpr versions valid = between(0, 5);
    static constexpr versions flexible = since(3);

    int32_t throttle_time_ms = 0;
    int16_t error_code = 0;                                           // v0-3
    std::optional<std::string> error_message = "";                    // v1-3
    int32_t node_id = 0;                                              // v0-3
    std::string host;                                                 // v0-3
    int32_t port = 0;                                                 // v0-3
    std::vector<find_coordinator_response_coordinator> coordinators;  // v4+

    static constexpr auto fields() {
        using T = find_coordinator_response;
        return std::tuple{
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(1)),
            field<&T::error_code>("ErrorCode", between(0, 3)),
            field<&T::error_message>("ErrorMessage", between(1, 3), between(1, 3)),
            field<&T::node_id>("NodeId", between(0, 3)),
            field<&T::host>("Host", between(0, 3)),
            field<&T::port>("Port", between(0, 3)),
            field<&T::coordinators>("Coordinators", since(4)),
        };
    }
};

}  // namespace sluice::protocol
