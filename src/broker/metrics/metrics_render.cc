#include "metrics_render.h"

#include <algorithm>
#include <map>

#include "../broker.h"
#include "metrics_text.h"
#include "sluice/storage/storage_probe.h"

namespace sluice::broker {

namespace {

using kind = metrics_text::kind;

struct topic_totals {
    uint64_t bytes_in = 0;
    uint64_t records_in = 0;
    uint64_t bytes_out = 0;
    uint64_t records_out = 0;
};

void render_requests(broker& b, metrics_text& out) {
    const auto& table = b.metrics().requests();
    auto each = [&](auto&& fn) {
        for (size_t key = 0; key < table.size(); ++key) {
            const api_entry* api = find_api(static_cast<int16_t>(key));
            if (!api) continue;
            for (size_t v = 0; v < table[key].size(); ++v) {
                const request_probe& r = table[key][v];
                if (r.requests == 0 && r.latency.count() == 0) continue;
                const std::string version = std::to_string(v);
                fn(r, metric_label{"api", api->name}, metric_label{"version", version});
            }
        }
    };
    out.family("sluice_requests_total", kind::counter,
               "Kafka requests dispatched to a handler, by API and version.");
    each([&](const request_probe& r, metric_label api, metric_label version) {
        out.sample("sluice_requests_total", {api, version}, r.requests);
    });
    out.family("sluice_request_latency_seconds", kind::histogram,
               "Time from a request's dispatch to its answer being queued on the connection, "
               "by API and version.");
    each([&](const request_probe& r, metric_label api, metric_label version) {
        out.histogram("sluice_request_latency_seconds", {api, version}, r.latency);
    });
    out.family("sluice_requests_in_flight", kind::gauge,
               "Requests read and not yet answered on the wire, over all connections.");
    out.sample("sluice_requests_in_flight", {}, static_cast<uint64_t>(b.requests_in_flight()));
    out.family("sluice_produce_waiting", kind::gauge,
               "Produce requests whose appends are not all written and durable yet.");
    out.sample("sluice_produce_waiting", {}, b.metrics().produce_waiting);
    out.family("sluice_fetch_waiting", kind::gauge,
               "Fetch requests waiting for data (min_bytes not met, max_wait_ms not over).");
    out.sample("sluice_fetch_waiting", {}, b.metrics().fetch_waiting);
}

void render_topics(broker& b, metrics_text& out) {
    const auto& topics = b.topics().topics();
    std::map<std::string_view, topic_totals> totals;  // topics() is sorted; so is this
    uint64_t partitions = 0;
    for (const auto& [name, t] : topics) {
        topic_totals& sum = totals[name];
        for (const auto& p : t->partitions) {
            ++partitions;
            sum.bytes_in += p->probe().bytes_in;
            sum.records_in += p->probe().records_in;
            sum.bytes_out += p->probe().bytes_out;
            sum.records_out += p->probe().records_out;
        }
    }
    out.family("sluice_produce_bytes_total", kind::counter,
               "Record batch bytes appended by Produce requests, by topic.");
    for (const auto& [name, s] : totals)
        out.sample("sluice_produce_bytes_total", {{"topic", name}}, s.bytes_in);
    out.family("sluice_produce_records_total", kind::counter,
               "Records appended by Produce requests, by topic.");
    for (const auto& [name, s] : totals)
        out.sample("sluice_produce_records_total", {{"topic", name}}, s.records_in);
    out.family("sluice_fetch_bytes_total", kind::counter,
               "Record bytes sent in Fetch responses, by topic.");
    for (const auto& [name, s] : totals)
        out.sample("sluice_fetch_bytes_total", {{"topic", name}}, s.bytes_out);
    out.family("sluice_fetch_records_total", kind::counter,
               "Records in the batches sent in Fetch responses (the offsets they span), by "
               "topic.");
    for (const auto& [name, s] : totals)
        out.sample("sluice_fetch_records_total", {{"topic", name}}, s.records_out);

    out.family("sluice_topics", kind::gauge, "Topics, internal ones included.");
    out.sample("sluice_topics", {}, static_cast<uint64_t>(topics.size()));
    out.family("sluice_partitions", kind::gauge, "Partitions led by this broker.");
    out.sample("sluice_partitions", {}, partitions);
    out.family("sluice_log_size_bytes", kind::gauge,
               "Bytes of a partition's log segments, by topic and partition.");
    for (const auto& [name, t] : topics) {
        for (const auto& p : t->partitions) {
            if (p->detached()) continue;
            const std::string index = std::to_string(p->index());
            out.sample("sluice_log_size_bytes", {{"topic", name}, {"partition", index}},
                       p->log().size_bytes());
        }
    }
    // One node: nothing to replicate yet. The series exist so that dashboards and alerts
    // can be built before replication arrives.
    out.family("sluice_under_replicated_partitions", kind::gauge,
               "Partitions whose ISR is smaller than their replica set (always 0: one node).");
    out.sample("sluice_under_replicated_partitions", {}, uint64_t{0});
    out.family("sluice_isr_shrinks_total", kind::counter,
               "ISR shrinks (always 0 until replication).");
    out.sample("sluice_isr_shrinks_total", {}, uint64_t{0});
    out.family("sluice_isr_expands_total", kind::counter,
               "ISR expansions (always 0 until replication).");
    out.sample("sluice_isr_expands_total", {}, uint64_t{0});
}

void render_groups(broker& b, metrics_text& out) {
    out.family("sluice_consumer_group_lag", kind::gauge,
               "High watermark minus the committed offset, by group, topic and partition "
               "(committed offsets of partitions that no longer exist are left out).");
    const group::offset_store& store = b.groups().offsets();
    for (const std::string& g : store.groups()) {
        const group::group_offsets* offsets = store.offsets_of(g);
        if (!offsets) continue;
        for (const auto& [tp, committed] : *offsets) {
            partition* p = b.topics().find_partition(tp.topic, tp.partition);
            if (!p || p->detached() || committed.offset < 0) continue;
            const int64_t lag = std::max<int64_t>(0, p->high_watermark() - committed.offset);
            const std::string index = std::to_string(tp.partition);
            out.sample("sluice_consumer_group_lag",
                       {{"group", g}, {"topic", tp.topic}, {"partition", index}}, lag);
        }
    }
}

void render_io(broker& b, metrics_text& out) {
    out.family("sluice_connections_open", kind::gauge, "Kafka client connections open now.");
    out.sample("sluice_connections_open", {}, static_cast<uint64_t>(b.connection_count()));
    out.family("sluice_connections_accepted_total", kind::counter,
               "Kafka client connections accepted.");
    out.sample("sluice_connections_accepted_total", {}, b.metrics().connections_accepted);

    const io::reactor& r = b.reactor();
    out.family("sluice_io_uring_submissions_total", kind::counter,
               "Submission queue entries queued on the shard's ring (operations and cancels).");
    out.sample("sluice_io_uring_submissions_total", {}, r.sqes_queued());
    out.family("sluice_io_uring_completions_total", kind::counter,
               "Completion queue entries reaped from the shard's ring.");
    out.sample("sluice_io_uring_completions_total", {}, r.cqes_reaped());
    out.family("sluice_io_uring_enter_total", kind::counter,
               "Submits by the shard's loop (each an io_uring_enter unless liburing can skip it).");
    out.sample("sluice_io_uring_enter_total", {}, r.enter_calls());
    out.family("sluice_io_uring_in_flight", kind::gauge,
               "Operations submitted on the shard's ring and not yet completed.");
    out.sample("sluice_io_uring_in_flight", {}, static_cast<uint64_t>(r.in_flight()));

    const storage::storage_probe& storage = storage::storage_probe::local();
    out.family("sluice_fdatasync_latency_seconds", kind::histogram,
               "Time from submitting a partition log's fdatasync to its completion.");
    out.histogram("sluice_fdatasync_latency_seconds", {}, storage.fdatasync_latency);
    out.family("sluice_fdatasync_errors_total", kind::counter,
               "Partition log fdatasyncs that failed (the log went offline).");
    out.sample("sluice_fdatasync_errors_total", {}, storage.fdatasync_errors);
}

}  // namespace

std::string render_metrics(broker& b) {
    metrics_text out;
    ++b.metrics().scrapes;
    render_requests(b, out);
    render_topics(b, out);
    render_groups(b, out);
    render_io(b, out);
    out.family("sluice_metrics_scrapes_total", kind::counter,
               "GET /metrics answered, this one included.");
    out.sample("sluice_metrics_scrapes_total", {}, b.metrics().scrapes);
    return out.take();
}

}  // namespace sluice::broker
