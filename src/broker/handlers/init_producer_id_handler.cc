// InitProducerId (key 22): a fresh producer id (epoch 0) for an idempotent producer, as
// Kafka gives one to every request without a transactional id. Transactions are not
// served: a transactional id is answered TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which
// clients report as fatal rather than retrying forever.

#include "../broker.h"
#include "../kafka_errors.h"
#include "handlers.h"
#include "sluice/protocol/kafka_error.h"
#include "sluice/protocol/messages/init_producer_id.h"

namespace sluice::broker {

void handle_init_producer_id(request_context& ctx) {
    auto req = decode_or_reject<protocol::init_producer_id_request>(ctx);
    if (!req) return;
    protocol::init_producer_id_response resp;
    if (req->transactional_id) {
        resp.error_code = code(protocol::kafka_error::transactional_id_authorization_failed);
    } else if (auto id = ctx.owner->producer_ids().next()) {
        resp.producer_id = *id;
        resp.producer_epoch = 0;
    } else {
        resp.error_code = code(protocol::kafka_error::kafka_storage_error);
    }
    ctx.respond(resp);
}

}  // namespace sluice::broker
