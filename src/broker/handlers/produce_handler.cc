// Produce (key 0). Each partition's batch is validated and appended in place (no copy);
// the answer goes out when every partition is done: acks=1 after the write reached the
// page cache, acks=all after the fdatasync that covers it (group commit), acks=0 never
// (but the request's memory stays alive until the write has used it).

#include <memory>

#include "../broker.h"
#include "../kafka_errors.h"
#include "handlers.h"
#include "sluice/common/clock.h"
#include "sluice/common/logger.h"
#include "sluice/protocol/messages/produce.h"
#include "sluice/storage/record_batch.h"

namespace sluice::broker {

namespace {

using protocol::kafka_error;

/// One Produce request in flight; deletes itself after the last append has finished.
class pending_produce {
  public:
    struct waiter final : storage::append_waiter {
        pending_produce* owner = nullptr;
        protocol::partition_produce_response* out = nullptr;
        void on_written(storage::result<void> r) override {
            owner->partition_done(*this, r, false);
        }
        void on_durable(storage::result<void> r) override { owner->partition_done(*this, r, true); }
    };

    pending_produce(request_context&& ctx, int16_t acks) : _ctx(std::move(ctx)), _acks(acks) {
        ++_ctx.owner->metrics().produce_waiting;
    }
    ~pending_produce() { --_ctx.owner->metrics().produce_waiting; }

    protocol::produce_response response;
    std::vector<waiter> waiters;  // sized once, before any append (stable addresses)

    /// Called once every partition has been tried; `appended` of them are in flight.
    void launched(size_t appended) {
        _outstanding = appended;
        _durable_left = appended;
        if (_acks == 0) {
            _ctx.no_response();
            _answered = true;
        }
        maybe_answer();
        maybe_delete();
    }

  private:
    void partition_done(waiter& w, storage::result<void> r, bool durable) {
        if (!r) {
            w.out->error_code = code(to_kafka_error(r.error()));
            w.out->base_offset = -1;
        }
        const bool counts = _acks == -1 ? durable : !durable;
        if (counts && _outstanding > 0) --_outstanding;
        if (durable && _durable_left > 0) --_durable_left;
        // A failed write never gets a separate on_durable-only path: on_written(fail) is
        // followed by on_durable(fail), so the counts above stay exact.
        maybe_answer();
        maybe_delete();
    }
    void maybe_answer() {
        if (_answered || _outstanding > 0) return;
        _answered = true;
        _ctx.respond(response);
    }
    void maybe_delete() {
        if (_answered && _durable_left == 0) delete this;
    }

    request_context _ctx;
    int16_t _acks;
    size_t _outstanding = 0;
    size_t _durable_left = 0;
    bool _answered = false;
};

/// The partition's batch if the request holds exactly one well-framed batch (Produce v3+
/// carries one batch per partition), else the error for the partition.
std::optional<kafka_error> check_single_batch(const protocol::bytes_view& records) {
    if (!records || records->empty()) return kafka_error::corrupt_message;
    auto size = storage::peek_batch_size(*records);
    if (!size) return kafka_error::corrupt_message;
    if (*size > records->size()) return kafka_error::corrupt_message;  // lying length
    if (*size < records->size()) {
        // Either a short batchLength (its CRC then fails, as Kafka finds) or really more
        // than one batch, which Produce v3+ does not allow.
        auto first =
            storage::validate_batch(records->first(*size), SIZE_MAX, storage::offset_rule::dense,
                                    storage::compressed_records::skip);
        return first ? kafka_error::invalid_record : to_kafka_error(first.error());
    }
    return std::nullopt;
}

}  // namespace

void handle_produce(request_context& ctx) {
    auto req = decode_or_reject<protocol::produce_request>(ctx);
    if (!req) return;
    broker& b = *ctx.owner;
    const int16_t acks = req->acks;
    const int64_t now = common::wall_clock_ms();
    auto* pp = new pending_produce(std::move(ctx), acks);
    size_t partitions = 0;
    for (const auto& t : req->topic_data) partitions += t.partition_data.size();
    pp->waiters.resize(partitions);
    size_t appended = 0, w = 0;
    for (const auto& t : req->topic_data) {
        auto& tr = pp->response.responses.emplace_back();
        tr.name = t.name;
        tr.partition_responses.reserve(t.partition_data.size());
        topic_info* topic = b.topics().find(t.name);
        if (!topic && b.options().auto_create_topics &&
            !topic_manager::invalid_topic_name(t.name)) {
            if (!b.topics().create(t.name, -1, -1, {}, false, now)) topic = b.topics().find(t.name);
        }
        for (const auto& pd : t.partition_data) {
            auto& out = tr.partition_responses.emplace_back();
            out.index = pd.index;
            out.base_offset = -1;
            partition* p = topic ? b.topics().find_partition(t.name, pd.index) : nullptr;
            kafka_error err = kafka_error::none;
            if (acks != 0 && acks != 1 && acks != -1) {
                err = kafka_error::invalid_required_acks;
            } else if (!p) {
                err = kafka_error::unknown_topic_or_partition;
            } else if (req->transactional_id) {
                err = kafka_error::transactional_id_authorization_failed;
            } else if (auto bad = check_single_batch(pd.records)) {
                err = *bad;
            }
            if (err == kafka_error::none) {
                auto& waiter = pp->waiters[w++];
                waiter.owner = pp;
                waiter.out = &out;
                // The request buffer is ours (a pooled receive chunk): the log patches the
                // base offset in place and writes these very bytes.
                std::span<uint8_t> batch(const_cast<uint8_t*>(pd.records->data()),
                                         pd.records->size());
                auto r = p->log().append(batch, &waiter, now);
                if (r) {
                    if (!r->duplicate) {
                        partition_probe& probe = p->probe();
                        probe.bytes_in += batch.size();
                        probe.records_in +=
                            static_cast<uint64_t>(r->last_offset - r->base_offset + 1);
                    }
                    out.base_offset = r->base_offset;
                    out.log_start_offset = p->log_start_offset();
                    if (p->log().config().log_append_time) out.log_append_time_ms = now;
                    ++appended;
                    continue;
                }
                err = to_kafka_error(r.error());
            }
            out.error_code = code(err);
            if (err != kafka_error::none) {
                out.error_message = protocol::kafka_error_message(err);
                SLUICE_LOG(debug, "broker", "produce to %s-%d refused: %s", t.name.c_str(),
                           pd.index, protocol::kafka_error_name(err));
            }
        }
    }
    pp->launched(appended);
}

}  // namespace sluice::broker
