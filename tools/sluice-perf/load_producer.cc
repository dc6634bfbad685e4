#include "load_producer.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "sluice/common/clock.h"
#include "sluice/protocol/kafka_error.h"
#include "sluice/protocol/messages/metadata.h"

namespace sluice::perf {

using namespace protocol;

namespace {
constexpr int64_t poll_ns_max = 100'000'000;  // recheck abort and the deadline this often
constexpr size_t request_batches_max = 64;
}  // namespace

load_producer::load_producer(client::pipelined_connection& c, producer_config cfg, meter& m,
                             const std::atomic<bool>& abort)
    : _c(c), _cfg(std::move(cfg)), _meter(m), _abort(abort) {
    _ready_max = std::clamp<size_t>(_cfg.partitions.size(), 1, request_batches_max);
    // One open batch plus the sealed ones waiting for a request.
    for (size_t i = 0; i < _ready_max + 1; ++i) {
        _batches.push_back(std::make_unique<batch>());
        _free.push_back(_batches.back().get());
    }
    _inflight.resize(static_cast<size_t>(std::max(_cfg.inflight, 1)));
    // xorshift32: incompressible enough that a codec could not cheat, and the same bytes
    // in every run.
    _payload.resize(_cfg.record_size);
    uint32_t state = 0x9E3779B9u;
    for (uint8_t& b : _payload) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        b = static_cast<uint8_t>(state);
    }
    _req.acks = _cfg.acks;
    _req.timeout_ms = 30000;
    _req.topic_data.resize(1);
    _req.topic_data[0].name = _cfg.topic;
}

int64_t load_producer::due_ns(int64_t record) const {
    if (_cfg.rate <= 0) return _start_ns;
    return _start_ns + static_cast<int64_t>(static_cast<double>(record) * 1e9 / _cfg.rate);
}

bool load_producer::seal_open() {
    if (!_open) return true;
    if (_ready.size() >= _ready_max) return false;
    _ready.push_back(_open);
    _open = nullptr;
    return true;
}

void load_producer::generate(int64_t now) {
    const size_t record_max = batch_writer::record_bytes_max(_cfg.record_size);
    while (_generated < _cfg.records && due_ns(_generated) <= now) {
        if (_open && _open->writer.record_count() > 0 &&
            _open->writer.size_bytes() + record_max > _cfg.batch_bytes && !seal_open()) {
            return;  // every slot holds a sealed batch: wait for a request to go out
        }
        if (!_open) {
            _open = _free.back();
            _free.pop_back();
            _open->partition = _cfg.partitions[_next_partition];
            _next_partition = (_next_partition + 1) % _cfg.partitions.size();
            _open->first_ns = now;
            _open->created_ns.clear();
            _open->writer.start(_wall_start_ms + (now - _start_ns) / 1'000'000);
        }
        const int64_t wall_ms = _wall_start_ms + (now - _start_ns) / 1'000'000;
        uint8_t* value = _open->writer.append(_cfg.record_size, wall_ms);
        std::memcpy(value, _payload.data(), _cfg.record_size);
        if (_cfg.record_size >= sizeof now) std::memcpy(value, &now, sizeof now);
        _open->created_ns.push_back(now);
        ++_generated;
    }
}

bool load_producer::send_ready(std::string* why) {
    const int64_t sent = now_ns();
    auto& parts = _req.topic_data[0].partition_data;
    parts.clear();
    for (batch* b : _ready) parts.push_back({b->partition, b->writer.finish()});
    const int32_t id = _c.send(_req, _version);
    if (id < 0) {
        *why = "lost the connection to the broker";
        return false;
    }
    if (_cfg.acks == 0) {  // nothing will answer: count the records as sent
        uint64_t n = 0;
        for (batch* b : _ready) n += b->created_ns.size();
        _completed += static_cast<int64_t>(n);
        _meter.update([&](meter_state& s) {
            s.records += n;
            s.bytes += n * _cfg.record_size;
            s.last_ns = sent;
        });
    } else {
        request& r = _inflight[(_inflight_head + _inflight_count) % _inflight.size()];
        ++_inflight_count;
        r.correlation_id = id;
        r.sent_ns = sent;
        r.created_ns.clear();
        for (batch* b : _ready) {
            r.created_ns.insert(r.created_ns.end(), b->created_ns.begin(), b->created_ns.end());
        }
    }
    for (batch* b : _ready) _free.push_back(b);
    _ready.clear();
    return true;
}

bool load_producer::receive_one(std::string* why) {
    request& r = _inflight[_inflight_head];
    auto resp = _c.receive<produce_response>(r.correlation_id, _version, why);
    if (!resp) return false;
    const int64_t ack = now_ns();
    for (const auto& tr : resp->responses) {
        for (const auto& pr : tr.partition_responses) {
            if (pr.error_code != 0) {
                *why = "produce to " + _cfg.topic + "-" + std::to_string(pr.index) + ": " +
                       kafka_error_name(static_cast<kafka_error>(pr.error_code));
                if (pr.error_message && !pr.error_message->empty())
                    *why += ": " + *pr.error_message;
                return false;
            }
        }
    }
    const uint64_t n = r.created_ns.size();
    _meter.update([&](meter_state& s) {
        s.records += n;
        s.bytes += n * _cfg.record_size;
        s.last_ns = ack;
        s.record(0, static_cast<uint64_t>(ack - r.sent_ns), n);
        for (int64_t c : r.created_ns) s.record(1, static_cast<uint64_t>(ack - c));
    });
    _completed += static_cast<int64_t>(n);
    _inflight_head = (_inflight_head + 1) % _inflight.size();
    --_inflight_count;
    return true;
}

// acks=0 gets no responses; a Metadata answer, which the broker sends only after it has
// handled every earlier request on the connection, says the records were taken.
bool load_producer::drain_acks0(std::string* why) {
    metadata_request md;
    md.allow_auto_topic_creation = false;
    md.topics = std::vector<metadata_request_topic>{{{}, _cfg.topic}};
    if (!_c.call<metadata_request, metadata_response>(md, why)) return false;
    _meter.update([&](meter_state& s) { s.last_ns = now_ns(); });
    return true;
}

bool load_producer::run(std::string* why) {
    _version = _c.version_for<produce_request>();
    if (_version < 3) {
        *why = "the broker does not accept Produce v3+ (record batch v2)";
        return false;
    }
    _start_ns = now_ns();
    _wall_start_ms = common::wall_clock_ms();
    _meter.update([&](meter_state& s) {
        if (s.first_ns == 0 || _start_ns < s.first_ns) s.first_ns = _start_ns;
    });
    const int64_t inflight_max = static_cast<int64_t>(_inflight.size());
    while (_completed < _cfg.records) {
        if (_abort.load(std::memory_order_relaxed)) {
            *why = "aborted";
            return false;
        }
        int64_t now = now_ns();
        if (now > _cfg.deadline_ns) {
            *why = "the run did not finish in time";
            return false;
        }
        generate(now);
        if (_open && (_generated == _cfg.records || now - _open->first_ns >= _cfg.linger_ns)) {
            (void)seal_open();
        }
        if (!_ready.empty() && static_cast<int64_t>(_inflight_count) < inflight_max) {
            if (!send_ready(why)) return false;
            continue;  // more may be ready to go at once
        }
        // Nothing to send now: wait for a response, the next record's due time or the
        // open batch's linger deadline, whichever comes first.
        int64_t wake = std::numeric_limits<int64_t>::max();
        if (_generated < _cfg.records && _ready.size() < _ready_max) {
            wake = std::min(wake, due_ns(_generated));
        }
        if (_open && _ready.size() < _ready_max)
            wake = std::min(wake, _open->first_ns + _cfg.linger_ns);
        int64_t timeout = std::clamp<int64_t>(wake - now, 0, poll_ns_max);
        if (_inflight_count == 0) {
            if (_generated == _cfg.records && !_open && _ready.empty()) break;  // acks=0 done
            if (timeout > 0) {
                timespec ts{0, static_cast<long>(timeout)};
                ::nanosleep(&ts, nullptr);
            }
            continue;
        }
        auto polled = _c.poll(timeout, why);
        if (polled == client::pipelined_connection::poll_result::failed) return false;
        while (polled == client::pipelined_connection::poll_result::ready && _inflight_count > 0) {
            if (!receive_one(why)) return false;
            polled = _c.poll(0, why);
            if (polled == client::pipelined_connection::poll_result::failed) return false;
        }
    }
    return _cfg.acks != 0 || drain_acks0(why);
}

}  // namespace sluice::perf
