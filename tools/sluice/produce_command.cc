// sluice produce: stdin lines become records (optionally KEY<sep>VALUE), sent in batches.

#include <cstdint>
#include <iostream>
#include <map>
#include <memory>

#include "cli.h"
#include "sluice/common/clock.h"
#include "sluice/protocol/messages/metadata.h"
#include "sluice/protocol/messages/produce.h"
#include "sluice/storage/record_batch_builder.h"

namespace sluice::cli {

using namespace protocol;

namespace {

/// Kafka's murmur2 (Utils.murmur2), so keys land on the partitions Kafka's default
/// partitioner would choose.
int32_t murmur2(const std::string& data) {
    const uint32_t m = 0x5bd1e995;
    const int r = 24;
    const auto length = static_cast<uint32_t>(data.size());
    uint32_t h = 0x9747b28c ^ length;
    const auto* p = reinterpret_cast<const uint8_t*>(data.data());
    uint32_t i = 0;
    for (; i + 4 <= length; i += 4) {
        uint32_t k =
            p[i] | (p[i + 1] << 8) | (p[i + 2] << 16) | (static_cast<uint32_t>(p[i + 3]) << 24);
        k *= m;
        k ^= k >> r;
        k *= m;
        h *= m;
        h ^= k;
    }
    switch (length - i) {
        case 3:
            h ^= static_cast<uint32_t>(p[i + 2]) << 16;
            [[fallthrough]];
        case 2:
            h ^= static_cast<uint32_t>(p[i + 1]) << 8;
            [[fallthrough]];
        case 1:
            h ^= p[i];
            h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return static_cast<int32_t>(h);
}

struct pending {
    std::unique_ptr<storage::record_batch_builder> builder;
    size_t bytes = 0;
};

}  // namespace

int produce(const common_options& o, const produce_options& p) {
    int16_t acks = p.acks == "all" || p.acks == "-1" ? -1
                   : p.acks == "1"                   ? 1
                   : p.acks == "0"                   ? 0
                                                     : 99;
    if (acks == 99) {
        std::fprintf(stderr, "sluice: --acks must be all, 1 or 0\n");
        return 2;
    }
    client::kafka_connection c;
    if (!connect(c, o)) return 1;
    const int16_t version = c.version_for<produce_request>();
    if (version < 3) {
        std::fprintf(stderr, "sluice: the broker does not accept Produce v3+ (record batch v2)\n");
        return 1;
    }
    // Partition count (creates the topic when the broker auto-creates).
    metadata_request md;
    md.topics = std::vector<metadata_request_topic>{{{}, p.topic}};
    std::string why;
    auto meta = c.call<metadata_request, metadata_response>(md, &why);
    if (!meta || meta->topics.empty()) {
        std::fprintf(stderr, "sluice: metadata for %s: %s\n", p.topic.c_str(), why.c_str());
        return 1;
    }
    if (!check(meta->topics[0].error_code, std::nullopt, "topic " + p.topic)) return 1;
    const auto partitions = static_cast<int32_t>(meta->topics[0].partitions.size());

    std::map<int32_t, pending> open;
    int64_t sent = 0;
    auto flush = [&](int32_t partition, pending& pd) -> bool {
        if (!pd.builder) return true;
        auto batch = pd.builder->build();
        pd.builder.reset();
        pd.bytes = 0;
        produce_request req;
        req.acks = acks;
        req.timeout_ms = 30000;
        topic_produce_data t;
        t.name = p.topic;
        partition_produce_data pdata;
        pdata.index = partition;
        pdata.records = std::span<const uint8_t>(batch);
        t.partition_data.push_back(pdata);
        req.topic_data.push_back(std::move(t));
        int32_t id = c.send(req, version);
        if (id < 0) {
            std::fprintf(stderr, "sluice: lost the connection to the broker\n");
            return false;
        }
        if (acks == 0) return true;
        auto resp = c.receive<produce_response>(id, version, &why);
        if (!resp) {
            std::fprintf(stderr, "sluice: produce: %s\n", why.c_str());
            return false;
        }
        for (const auto& tr : resp->responses) {
            for (const auto& pr : tr.partition_responses) {
                if (!check(pr.error_code, pr.error_message,
                           "produce to " + p.topic + "-" + std::to_string(partition))) {
                    return false;
                }
            }
        }
        return true;
    };

    std::string line;
    while (std::getline(std::cin, line)) {
        std::optional<std::string> key;
        std::string value = line;
        if (!p.key_separator.empty()) {
            auto at = line.find(p.key_separator);
            if (at != std::string::npos) {
                key = line.substr(0, at);
                value = line.substr(at + p.key_separator.size());
            }
        }
        int32_t partition = p.partition >= 0 ? p.partition
                            : key            ? (murmur2(*key) & 0x7fffffff) % partitions
                                             : 0;
        pending& pd = open[partition];
        const int64_t now = common::wall_clock_ms();
        if (!pd.builder) pd.builder = std::make_unique<storage::record_batch_builder>(0, now);
        auto as_span = [](const std::string& s) {
            return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
        };
        std::optional<std::span<const uint8_t>> kspan;
        if (key) kspan = as_span(*key);
        pd.builder->add(kspan, as_span(value), now);
        pd.bytes += line.size() + 16;
        ++sent;
        if (static_cast<size_t>(pd.builder->record_count()) >= p.batch_records ||
            pd.bytes >= (512u << 10)) {
            if (!flush(partition, pd)) return 1;
        }
    }
    for (auto& [partition, pd] : open) {
        if (!flush(partition, pd)) return 1;
    }
    std::fprintf(stderr, "sluice: produced %lld record(s) to %s\n", static_cast<long long>(sent),
                 p.topic.c_str());
    return 0;
}

}  // namespace sluice::cli
