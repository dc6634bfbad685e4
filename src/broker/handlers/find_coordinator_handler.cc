// FindCoordinator (key 10): every group's coordinator is this broker (one node). Keys of
// type 1 (transactions) have no coordinator here yet.

#include "../broker.h"
#include "../kafka_errors.h"
#include "handlers.h"
#include "sluice/protocol/messages/find_coordinator.h"

namespace sluice::broker {

void handle_find_coordinator(request_context& ctx) {
    auto req = decode_or_reject<protocol::find_coordinator_request>(ctx);
    if (!req) return;
    broker& b = *ctx.owner;
    protocol::find_coordinator_response resp;
    auto answer = [&](const std::string& key, int16_t& error, std::optional<std::string>& message,
                      int32_t& node, std::string& host, int32_t& port) {
        if (req->key_type != 0) {
            error = code(protocol::kafka_error::coordinator_not_available);
            message = "transactions are not supported by this broker";
            node = -1;
            port = -1;
            return;
        }
        if (key.empty()) {
            error = code(protocol::kafka_error::invalid_group_id);
            message = "the group id is empty";
            node = -1;
            port = -1;
            return;
        }
        error = 0;
        message = std::nullopt;
        node = b.options().node_id;
        host = b.advertised_host();
        port = b.advertised_port();
    };
    if (ctx.version() >= 4) {
        for (const auto& key : req->coordinator_keys) {
            auto& c = resp.coordinators.emplace_back();
            c.key = key;
            answer(key, c.error_code, c.error_message, c.node_id, c.host, c.port);
        }
    } else {
        answer(req->key, resp.error_code, resp.error_message, resp.node_id, resp.host, resp.port);
    }
    ctx.respond(resp);
}

}  // namespace sluice::broker
