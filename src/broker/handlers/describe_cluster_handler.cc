// DescribeCluster (key 60): this broker as the whole cluster and its controller. The
// checks and the authorized-operations field follow Kafka's
// AuthHelper.computeDescribeClusterResponse; v1's endpoint type (KIP-919) may only ask
// for brokers here, since this listener is a broker's.

#include "../broker.h"
#include "../kafka_errors.h"
#include "handlers.h"
#include "sluice/protocol/messages/describe_cluster.h"

namespace sluice::broker {

namespace {

using protocol::kafka_error;

constexpr int8_t endpoint_broker = 1;
constexpr int8_t endpoint_controller = 2;

/// Without an authorizer Kafka grants every operation the cluster resource supports
/// (AclEntry.supportedOperations(CLUSTER)), one bit per AclOperation code.
constexpr int32_t cluster_operations = (1 << 5)      // CREATE
                                       | (1 << 7)    // ALTER
                                       | (1 << 8)    // DESCRIBE
                                       | (1 << 9)    // CLUSTER_ACTION
                                       | (1 << 10)   // DESCRIBE_CONFIGS
                                       | (1 << 11)   // ALTER_CONFIGS
                                       | (1 << 12);  // IDEMPOTENT_WRITE

}  // namespace

void handle_describe_cluster(request_context& ctx) {
    auto req = decode_or_reject<protocol::describe_cluster_request>(ctx);
    if (!req) return;
    broker& b = *ctx.owner;
    protocol::describe_cluster_response resp;
    // v0 has no endpoint type field, so these refusals only reach v1 requests; Kafka
    // would answer INVALID_REQUEST in v0.
    if (req->endpoint_type != endpoint_broker) {
        const bool known = req->endpoint_type == endpoint_controller;
        resp.error_code = code(known ? kafka_error::mismatched_endpoint_type
                                     : kafka_error::unsupported_endpoint_type);
        resp.error_message =
            known ? "The request was sent to an endpoint of type BROKER, but we wanted an "
                    "endpoint of type CONTROLLER"
                  : "Unsupported endpoint type " + std::to_string(req->endpoint_type);
        ctx.respond(resp);
        return;
    }
    const int32_t node = b.options().node_id;
    resp.endpoint_type = endpoint_broker;
    resp.cluster_id = b.cluster_id();
    resp.controller_id = node;
    resp.brokers.push_back({node, b.advertised_host(), b.advertised_port(), std::nullopt});
    if (req->include_cluster_authorized_operations) {
        resp.cluster_authorized_operations = cluster_operations;
    }
    ctx.respond(resp);
}

}  // namespace sluice::broker
