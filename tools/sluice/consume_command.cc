// sluice consume: fetch records from one or all partitions and print them.

#include <cinttypes>
#include <map>

#include "cli.h"
#include "sluice/protocol/messages/fetch.h"
#include "sluice/protocol/messages/list_offsets.h"
#include "sluice/protocol/messages/metadata.h"
#include "sluice/storage/record_batch.h"
#include "sluice/storage/record_reader.h"

namespace sluice::cli {

using namespace protocol;

namespace {

std::optional<std::map<int32_t, int64_t>> list_offsets(client::kafka_connection& c,
                                                       const std::string& topic,
                                                       const std::vector<int32_t>& parts,
                                                       int64_t ts) {
    list_offsets_request req;
    req.replica_id = -1;
    list_offsets_topic t;
    t.name = topic;
    for (int32_t p : parts) {
        list_offsets_partition lp;
        lp.partition_index = p;
        lp.timestamp = ts;
        t.partitions.push_back(lp);
    }
    req.topics.push_back(t);
    std::string why;
    auto resp = c.call<list_offsets_request, list_offsets_response>(req, &why);
    if (!resp) {
        std::fprintf(stderr, "sluice: list offsets: %s\n", why.c_str());
        return std::nullopt;
    }
    std::map<int32_t, int64_t> out;
    for (const auto& rt : resp->topics) {
        for (const auto& rp : rt.partitions) {
            if (!check(rp.error_code, std::nullopt,
                       topic + "-" + std::to_string(rp.partition_index))) {
                return std::nullopt;
            }
            out[rp.partition_index] = rp.offset;
        }
    }
    return out;
}

void print(const storage::record_view& r, int32_t partition, const consume_options& c) {
    auto text = [](const std::optional<std::span<const uint8_t>>& b) {
        return b ? std::string(reinterpret_cast<const char*>(b->data()), b->size()) : std::string();
    };
    if (c.print_offsets) std::printf("%d:%" PRId64 "\t", partition, r.offset);
    if (!c.key_separator.empty()) std::printf("%s%s", text(r.key).c_str(), c.key_separator.c_str());
    std::string v = text(r.value);
    std::fwrite(v.data(), 1, v.size(), stdout);
    std::fputc('\n', stdout);
}

}  // namespace

int consume(const common_options& o, const consume_options& c) {
    client::kafka_connection conn;
    if (!connect(conn, o)) return 1;
    metadata_request md;
    md.allow_auto_topic_creation = false;
    md.topics = std::vector<metadata_request_topic>{{{}, c.topic}};
    std::string why;
    auto meta = conn.call<metadata_request, metadata_response>(md, &why);
    if (!meta || meta->topics.empty()) {
        std::fprintf(stderr, "sluice: metadata: %s\n", why.c_str());
        return 1;
    }
    if (!check(meta->topics[0].error_code, std::nullopt, "topic " + c.topic)) return 1;
    std::vector<int32_t> parts;
    for (const auto& p : meta->topics[0].partitions) {
        if (c.partition < 0 || c.partition == p.partition_index) parts.push_back(p.partition_index);
    }
    if (parts.empty()) {
        std::fprintf(stderr, "sluice: topic %s has no partition %d\n", c.topic.c_str(),
                     c.partition);
        return 1;
    }
    std::map<int32_t, int64_t> next;
    if (c.from == "beginning" || c.from == "end") {
        auto o2 = list_offsets(conn, c.topic, parts, c.from == "beginning" ? -2 : -1);
        if (!o2) return 1;
        next = *o2;
    } else {
        char* end = nullptr;
        long long v = std::strtoll(c.from.c_str(), &end, 10);
        if (!end || *end != '\0' || v < 0) {
            std::fprintf(stderr, "sluice: --from must be beginning, end or an offset\n");
            return 2;
        }
        for (int32_t p : parts) next[p] = v;
    }
    auto stop_at = list_offsets(conn, c.topic, parts, -1);  // the end as of now
    if (!stop_at) return 1;
    const int16_t version = std::min<int16_t>(conn.version_for<fetch_request>(), 12);
    if (version < 4) {
        std::fprintf(stderr, "sluice: the broker does not accept Fetch v4+\n");
        return 1;
    }
    int64_t printed = 0;
    while (c.count < 0 || printed < c.count) {
        bool all_done = true;
        for (int32_t p : parts) all_done &= next[p] >= (*stop_at)[p];
        if (all_done && !c.follow) break;
        fetch_request req;
        req.max_wait_ms = 500;
        req.min_bytes = 1;
        req.max_bytes = 8 << 20;
        fetch_topic t;
        t.topic = c.topic;
        for (int32_t p : parts) {
            fetch_partition fp;
            fp.partition = p;
            fp.fetch_offset = next[p];
            fp.partition_max_bytes = 1 << 20;
            t.partitions.push_back(fp);
        }
        req.topics.push_back(t);
        int32_t id = conn.send(req, version);
        auto resp = id < 0 ? std::nullopt : conn.receive<fetch_response>(id, version, &why);
        if (!resp) {
            std::fprintf(stderr, "sluice: fetch: %s\n", why.c_str());
            return 1;
        }
        if (!check(resp->error_code, std::nullopt, "fetch")) return 1;
        for (const auto& rt : resp->responses) {
            for (const auto& pd : rt.partitions) {
                if (!check(pd.error_code, std::nullopt,
                           c.topic + "-" + std::to_string(pd.partition_index))) {
                    return 1;
                }
                auto bytes = pd.records.inline_bytes.value_or(std::span<const uint8_t>());
                while (bytes.size() >= storage::batch_header_bytes) {
                    auto size = storage::peek_batch_size(bytes);
                    if (!size || *size > bytes.size()) break;  // a partial batch at the end
                    auto batch = bytes.first(*size);
                    storage::record_batch_view v(batch);
                    auto r = storage::for_each_record(batch, [&](const storage::record_view& rec) {
                        if (rec.offset < next[pd.partition_index]) return;
                        if (c.count >= 0 && printed >= c.count) return;
                        print(rec, pd.partition_index, c);
                        ++printed;
                    });
                    if (!r) {
                        std::fprintf(stderr,
                                     "sluice: %s-%d: batch at offset %" PRId64
                                     " is compressed or malformed; skipped\n",
                                     c.topic.c_str(), pd.partition_index, v.base_offset());
                    }
                    next[pd.partition_index] =
                        std::max(next[pd.partition_index], v.last_offset() + 1);
                    bytes = bytes.subspan(*size);
                }
            }
        }
        std::fflush(stdout);
    }
    return 0;
}

}  // namespace sluice::cli
