#include "topic_setup.h"

#include <chrono>
#include <thread>

#include "sluice/protocol/kafka_error.h"
#include "sluice/protocol/messages/create_topics.h"
#include "sluice/protocol/messages/list_offsets.h"
#include "sluice/protocol/messages/metadata.h"

namespace sluice::perf {

using namespace protocol;

namespace {

std::string error_text(int16_t code, const std::optional<std::string>& message) {
    auto e = static_cast<kafka_error>(code);
    std::string s = kafka_error_name(e);
    if (message && !message->empty()) s += ": " + *message;
    return s;
}

}  // namespace

std::optional<std::vector<int32_t>> find_or_create_topic(client::pipelined_connection& c,
                                                         const std::string& topic,
                                                         int32_t partitions, bool create,
                                                         std::string* why) {
    bool created = false;
    // A new topic's partitions may take a moment to show in Metadata: ask a few times.
    for (int attempt = 0; attempt < 50; ++attempt) {
        metadata_request md;
        md.allow_auto_topic_creation = false;
        md.topics = std::vector<metadata_request_topic>{{{}, topic}};
        auto meta = c.call<metadata_request, metadata_response>(md, why);
        if (!meta) return std::nullopt;
        if (meta->topics.empty()) {
            *why = "no metadata for topic " + topic;
            return std::nullopt;
        }
        const auto& t = meta->topics[0];
        if (t.error_code == 0 && !t.partitions.empty()) {
            std::vector<int32_t> ids;
            for (const auto& p : t.partitions) ids.push_back(p.partition_index);
            return ids;
        }
        const bool unknown =
            t.error_code == static_cast<int16_t>(kafka_error::unknown_topic_or_partition);
        if (!unknown && t.error_code != 0) {
            *why = "topic " + topic + ": " + error_text(t.error_code, std::nullopt);
            return std::nullopt;
        }
        if (unknown && !create) {
            *why = "topic " + topic + " does not exist";
            return std::nullopt;
        }
        if (unknown && !created) {
            create_topics_request req;
            creatable_topic ct;
            ct.name = topic;
            ct.num_partitions = partitions;
            ct.replication_factor = -1;
            req.topics.push_back(std::move(ct));
            auto resp = c.call<create_topics_request, create_topics_response>(req, why);
            if (!resp) return std::nullopt;
            for (const auto& r : resp->topics) {
                if (r.error_code != 0 &&
                    r.error_code != static_cast<int16_t>(kafka_error::topic_already_exists)) {
                    *why =
                        "create topic " + topic + ": " + error_text(r.error_code, r.error_message);
                    return std::nullopt;
                }
            }
            created = true;
            continue;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    *why = "topic " + topic + " has no partitions after 5 s";
    return std::nullopt;
}

std::optional<std::map<int32_t, int64_t>> list_offsets(client::pipelined_connection& c,
                                                       const std::string& topic,
                                                       const std::vector<int32_t>& partitions,
                                                       int64_t timestamp, std::string* why) {
    list_offsets_request req;
    req.replica_id = -1;
    list_offsets_topic t;
    t.name = topic;
    for (int32_t p : partitions) {
        list_offsets_partition lp;
        lp.partition_index = p;
        lp.timestamp = timestamp;
        t.partitions.push_back(lp);
    }
    req.topics.push_back(std::move(t));
    auto resp = c.call<list_offsets_request, list_offsets_response>(req, why);
    if (!resp) return std::nullopt;
    std::map<int32_t, int64_t> out;
    for (const auto& rt : resp->topics) {
        for (const auto& rp : rt.partitions) {
            if (rp.error_code != 0) {
                *why = "list offsets " + topic + "-" + std::to_string(rp.partition_index) + ": " +
                       error_text(rp.error_code, std::nullopt);
                return std::nullopt;
            }
            out[rp.partition_index] = rp.offset;
        }
    }
    return out;
}

}  // namespace sluice::perf
