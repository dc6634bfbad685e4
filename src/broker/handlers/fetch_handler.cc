// Fetch (key 1). Reads whole batches below the high watermark from each partition asked
// for, within partition_max_bytes and max_bytes (the first batch always whole, KIP-74),
// and answers at once when min_bytes is met, max_wait_ms is 0, or a partition errs.
// Otherwise the request waits (long poll) until the high watermark of one of its
// partitions advances with enough data, or max_wait_ms passes, or the broker stops.
// The record bytes go from the segment files to the socket by splice (external_records).

#include <memory>

#include "../broker.h"
#include "../kafka_errors.h"
#include "handlers.h"
#include "sluice/protocol/messages/fetch.h"

namespace sluice::broker {

namespace {

using protocol::kafka_error;

struct fetch_result {
    protocol::fetch_response response;
    std::vector<storage::read_slice> files;
    std::vector<partition*> partitions;  // the partitions read, for watching
    struct sent_slice {
        partition* p;
        uint32_t bytes;
        int64_t offsets;  // offsets the slice's batches span
    };
    std::vector<sent_slice> sent;  // per partition read
    size_t bytes = 0;
    bool has_error = false;
};

fetch_result read_all(broker& b, const protocol::fetch_request& req, int16_t version) {
    fetch_result out;
    size_t budget = req.max_bytes > 0 ? static_cast<size_t>(req.max_bytes) : 0;
    for (const auto& ft : req.topics) {
        auto& tr = out.response.responses.emplace_back();
        tr.topic = ft.topic;
        tr.topic_id = ft.topic_id;
        topic_info* t = version >= 13 ? b.topics().find(ft.topic_id) : b.topics().find(ft.topic);
        for (const auto& fp : ft.partitions) {
            auto& pd = tr.partitions.emplace_back();
            pd.partition_index = fp.partition;
            partition* p = t ? b.topics().find_partition(t->name, fp.partition) : nullptr;
            if (!p) {
                pd.error_code = code(!t && version >= 13 ? kafka_error::unknown_topic_id
                                                         : kafka_error::unknown_topic_or_partition);
                out.has_error = true;
                continue;
            }
            const int64_t hw = p->high_watermark();
            pd.high_watermark = hw;
            pd.last_stable_offset = hw;  // no transactions: LSO = HW
            pd.log_start_offset = p->log_start_offset();
            out.partitions.push_back(p);
            // KIP-74: later partitions get what is left; the response's first batch is
            // always whole so that a consumer can progress past a large batch.
            size_t limit =
                std::min<size_t>(static_cast<size_t>(std::max(fp.partition_max_bytes, 0)), budget);
            if (limit == 0 && out.bytes > 0) continue;
            auto slice = p->log().read(fp.fetch_offset, hw, std::max<size_t>(limit, 1));
            if (!slice) {
                pd.error_code = code(to_kafka_error(slice.error()));
                out.has_error = true;
                continue;
            }
            if (!slice->file || slice->bytes == 0) continue;
            pd.records.length = slice->bytes;
            pd.records.id = static_cast<uint32_t>(out.files.size());
            out.sent.push_back({p, slice->bytes, slice->next_offset - slice->first_offset});
            out.files.push_back(std::move(slice).value());
            out.bytes += pd.records.length;
            budget = pd.records.length >= budget ? 0 : budget - pd.records.length;
        }
    }
    return out;
}

/// Answer with `r`, counting its record bytes per partition (only what is sent: a waiting
/// fetch reads again on every wake-up).
void respond(request_context& ctx, fetch_result& r) {
    for (const auto& s : r.sent) {
        s.p->probe().bytes_out += s.bytes;
        s.p->probe().records_out += static_cast<uint64_t>(s.offsets);
    }
    ctx.respond(r.response, std::move(r.files));
}

/// A fetch waiting for data. Deletes itself once answered and its timer has completed.
class delayed_fetch final : public partition::watcher, public io::completion, public stoppable {
  public:
    delayed_fetch(request_context&& ctx, protocol::fetch_request req, std::vector<partition*> ps)
        : _ctx(std::move(ctx)), _req(std::move(req)), _partitions(std::move(ps)) {
        broker& b = *_ctx.owner;
        for (partition* p : _partitions) p->watch(this);
        b.register_stoppable(this);
        ++b.metrics().fetch_waiting;
        _ts.tv_sec = _req.max_wait_ms / 1000;
        _ts.tv_nsec = static_cast<long long>(_req.max_wait_ms % 1000) * 1'000'000;
        b.reactor().timeout(&_ts, this);
    }

    void on_high_watermark(partition&) override {
        fetch_result r = read_all(*_ctx.owner, _req, _ctx.version());
        if (r.has_error || r.bytes >= static_cast<size_t>(std::max(_req.min_bytes, 1)))
            answer(std::move(r));
    }
    void on_partition_removed(partition& p) override {
        std::erase(_partitions, &p);
        answer(read_all(*_ctx.owner, _req, _ctx.version()));
    }
    void on_broker_stop() override { answer(read_all(*_ctx.owner, _req, _ctx.version())); }
    void complete(int32_t, uint32_t) override {
        // The timer fired (max_wait_ms) or was cancelled after an answer.
        if (!_answered) answer(read_all(*_ctx.owner, _req, _ctx.version()));
        delete this;
    }

  private:
    void answer(fetch_result r) {
        if (_answered) return;
        _answered = true;
        --_ctx.owner->metrics().fetch_waiting;
        for (partition* p : _partitions) p->unwatch(this);
        _partitions.clear();
        _ctx.owner->unregister_stoppable(this);
        respond(_ctx, r);
        if (in_flight()) _ctx.owner->reactor().cancel(this);  // complete() deletes us
    }

    request_context _ctx;
    protocol::fetch_request _req;
    std::vector<partition*> _partitions;
    __kernel_timespec _ts{};
    bool _answered = false;
};

}  // namespace

void handle_fetch(request_context& ctx) {
    auto req = decode_or_reject<protocol::fetch_request>(ctx);
    if (!req) return;
    broker& b = *ctx.owner;
    if (req->session_id != 0) {
        // Incremental fetch sessions (KIP-227) are not kept: say so, and clients fall back
        // to full fetch requests.
        protocol::fetch_response resp;
        resp.error_code = code(kafka_error::fetch_session_id_not_found);
        ctx.respond(resp);
        return;
    }
    fetch_result r = read_all(b, *req, ctx.version());
    const size_t min_bytes = static_cast<size_t>(std::max(req->min_bytes, 1));
    if (r.has_error || r.bytes >= min_bytes || req->min_bytes <= 0 || req->max_wait_ms <= 0 ||
        r.partitions.empty() || b.stopping()) {
        respond(ctx, r);
        return;
    }
    new delayed_fetch(std::move(ctx), std::move(*req), std::move(r.partitions));
}

}  // namespace sluice::broker
