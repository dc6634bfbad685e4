#include "load_consumer.h"

#include <algorithm>
#include <cstring>

#include "sluice/protocol/kafka_error.h"
#include "sluice/storage/record_batch.h"
#include "sluice/storage/record_reader.h"

namespace sluice::perf {

using namespace protocol;

namespace {
constexpr int64_t poll_ns_max = 100'000'000;  // recheck abort and the deadline this often
}  // namespace

load_consumer::load_consumer(client::pipelined_connection& c, consumer_config cfg, meter& m,
                             const std::atomic<bool>& abort)
    : _c(c), _cfg(std::move(cfg)), _meter(m), _abort(abort), _next(_cfg.start) {
    const size_t n = std::clamp<size_t>(static_cast<size_t>(std::max(_cfg.inflight, 1)), 1,
                                        std::max<size_t>(_cfg.start.size(), 1));
    _groups.resize(n);
    size_t i = 0;
    for (const auto& [p, offset] : _cfg.start) _groups[i++ % n].partitions.push_back(p);
    _req.max_wait_ms = _cfg.max_wait_ms;
    _req.min_bytes = 1;
    _req.topics.resize(1);
    _req.topics[0].topic = _cfg.topic;
}

bool load_consumer::done() const {
    if (_cfg.records > 0 && _consumed >= _cfg.records) return true;
    if (_cfg.end.empty()) return false;
    for (const auto& [p, end] : _cfg.end) {
        if (_next.at(p) < end) return false;
    }
    return true;
}

bool load_consumer::send_fetch(group& g, std::string* why) {
    auto& parts = _req.topics[0].partitions;
    parts.clear();
    for (int32_t p : g.partitions) {
        auto end = _cfg.end.find(p);
        if (end != _cfg.end.end() && _next[p] >= end->second) continue;
        fetch_partition fp;
        fp.partition = p;
        fp.fetch_offset = _next[p];
        fp.partition_max_bytes = static_cast<int32_t>(_cfg.partition_bytes);
        parts.push_back(fp);
    }
    if (parts.empty()) return true;  // this group has read everything asked for
    _req.max_bytes = static_cast<int32_t>(
        std::min<size_t>(_cfg.partition_bytes * parts.size(), size_t{1} << 30));
    g.sent_ns = now_ns();
    g.correlation_id = _c.send(_req, _version);
    if (g.correlation_id < 0) {
        *why = "lost the connection to the broker";
        return false;
    }
    g.in_flight = true;
    _order.push_back(static_cast<size_t>(&g - _groups.data()));
    return true;
}

bool load_consumer::handle_response(group& g, std::string* why) {
    auto resp = _c.receive<fetch_response>(g.correlation_id, _version, why);
    g.in_flight = false;
    if (!resp) return false;
    const int64_t at = now_ns();
    if (resp->error_code != 0) {
        *why =
            std::string("fetch: ") + kafka_error_name(static_cast<kafka_error>(resp->error_code));
        return false;
    }
    uint64_t records = 0, bytes = 0;
    _e2e_ns.clear();
    for (const auto& rt : resp->responses) {
        for (const auto& pd : rt.partitions) {
            if (pd.error_code != 0) {
                *why = "fetch " + _cfg.topic + "-" + std::to_string(pd.partition_index) + ": " +
                       kafka_error_name(static_cast<kafka_error>(pd.error_code));
                return false;
            }
            int64_t& next = _next[pd.partition_index];
            auto data = pd.records.inline_bytes.value_or(std::span<const uint8_t>());
            while (data.size() >= storage::batch_header_bytes) {
                auto size = storage::peek_batch_size(data);
                if (!size || *size > data.size()) break;  // a partial batch at the end
                auto bytes_of_batch = data.first(*size);
                data = data.subspan(*size);
                storage::record_batch_view v(bytes_of_batch);
                if (v.last_offset() < next) continue;
                bytes += *size;
                if (!_cfg.e2e) {
                    records += static_cast<uint64_t>(v.last_offset() + 1 -
                                                     std::max(v.base_offset(), next));
                } else {
                    const int64_t from = next;
                    auto r = storage::for_each_record(
                        bytes_of_batch, [&](const storage::record_view& rec) {
                            if (rec.offset < from) return;
                            ++records;
                            if (rec.value && rec.value->size() >= sizeof(int64_t)) {
                                int64_t created = 0;
                                std::memcpy(&created, rec.value->data(), sizeof created);
                                _e2e_ns.push_back(at - created);
                            }
                        });
                    if (!r) {
                        *why = "a batch of " + _cfg.topic + "-" +
                               std::to_string(pd.partition_index) + " is compressed or malformed";
                        return false;
                    }
                }
                next = v.last_offset() + 1;
            }
        }
    }
    // The last answer may hold more than was asked for; count only up to --records.
    if (_cfg.records > 0 && _consumed + static_cast<int64_t>(records) > _cfg.records) {
        const auto keep = static_cast<uint64_t>(_cfg.records - _consumed);
        if (keep < records) bytes = bytes * keep / records;
        if (_e2e_ns.size() > keep) _e2e_ns.resize(keep);
        records = keep;
    }
    _consumed += static_cast<int64_t>(records);
    _meter.update([&](meter_state& s) {
        s.records += records;
        s.bytes += bytes;
        if (records) s.last_ns = at;
        const size_t fetch_series = _cfg.e2e ? 1 : 0;
        s.record(fetch_series, static_cast<uint64_t>(at - g.sent_ns));
        for (int64_t ns : _e2e_ns) s.record(0, static_cast<uint64_t>(std::max<int64_t>(ns, 0)));
    });
    return true;
}

bool load_consumer::run(std::string* why) {
    _version = std::min<int16_t>(_c.version_for<fetch_request>(), 12);  // 13+ names topics by id
    if (_version < 4) {
        *why = "the broker does not accept Fetch v4+";
        return false;
    }
    const int64_t start = now_ns();
    _meter.update([&](meter_state& s) {
        if (s.first_ns == 0 || start < s.first_ns) s.first_ns = start;
    });
    while (!done()) {
        if (_abort.load(std::memory_order_relaxed)) {
            *why = "aborted";
            return false;
        }
        if (now_ns() > _cfg.deadline_ns) {
            *why = "the run did not finish in time (consumed " + std::to_string(_consumed) + ")";
            return false;
        }
        for (group& g : _groups) {
            if (!g.in_flight && !send_fetch(g, why)) return false;
        }
        if (_order.empty()) break;  // every partition reached its end
        auto polled = _c.poll(poll_ns_max, why);
        if (polled == client::pipelined_connection::poll_result::failed) return false;
        if (polled == client::pipelined_connection::poll_result::ready) {
            group& g = _groups[_order.front()];
            _order.pop_front();
            if (!handle_response(g, why)) return false;
        }
    }
    return true;
}

}  // namespace sluice::perf
