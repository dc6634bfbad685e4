#pragma once
// DeleteTopics (key 20). Versions 0-6, flexible from 4. Up to v5 the request names topics
// in `topic_names`; v6 replaces that with `topics`, each given by name or by topic id (the
// other left null / zero). v5 adds error messages, v6 topic ids in the results.

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

struct delete_topic_state {
    std::optional<std::string> name;  // null when the topic is given by id
    uuid topic_id{};                  // zero when the topic is given by name

    static constexpr auto fields() {
        using T = delete_topic_state;
        return std::tuple{
            field<&T::name>("Name", since(6), since(6)),
            field<&T::topic_id>("TopicId", since(6)),
        };
    }
};

struct delete_topics_request {
    static constexpr int16_t api_key = 20;
    static constexpr versions valid = between(0, 6);
    static constexpr versions flexible = since(4);

    std::vector<delete_topic_state> topics;  // v6+
    std::vector<std::string> topic_names;    // v0-5
    int32_t timeout_ms = 0;

    static constexpr auto fields() {
        using T = delete_topics_request;
        return std::tuple{
            field<&T::topics>("Topics", since(6)),
            field<&T::topic_names>("TopicNames", between(0, 5)),
            field<&T::timeout_ms>("TimeoutMs", since(0)),
        };
    }
};

struct deletable_topic_result {
    std::optional<std::string> name = "";  // null only in v6+, for a topic asked for by id
    uuid topic_id{};
    int16_t error_code = 0;
    std::optional<std::string> error_message;

    static constexpr auto fields() {
        using T = deletable_topic_result;
        return std::tuple{
            field<&T::name>("Name", since(0), since(6)),
            field<&T::topic_id>("TopicId", since(6)),
            field<&T::error_code>("ErrorCode", since(0)),
            field<&T::error_message>("ErrorMessage", since(5), since(5)),
        };
    }
};

struct delete_topics_response {
    static constexpr int16_t api_key = 20;
    static constexpr versions valid = between(0, 6);
    static constexpr versions flexible = since(4);

    int32_t throttle_time_ms = 0;
    std::vector<deletable_topic_result> responses;

    static constexpr auto fields() {
        using T = delete_topics_response;
        return std::tuple{
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(1)),
            field<&T::responses>("Responses", since(0)),
        };
    }
};

}  // namespace sluice::protocol
