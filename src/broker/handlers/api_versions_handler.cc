// ApiVersions (key 18): the API table's version ranges.

#include "../broker.h"
#include "handlers.h"
#include "sluice/protocol/kafka_error.h"
#include "sluice/protocol/messages/api_versions.h"

namespace sluice::broker {

void handle_api_versions(request_context& ctx) {
    auto req = decode_or_reject<protocol::api_versions_request>(ctx);
    if (!req) return;
    protocol::api_versions_response resp;
    for (const auto& api : api_table()) {
        resp.api_keys.push_back({api.key, api.supported.min, api.supported.max});
    }
    ctx.respond(resp);
}

void respond_api_versions_unsupported(request_context& ctx) {
    protocol::api_versions_response resp;
    resp.error_code = static_cast<int16_t>(protocol::kafka_error::unsupported_version);
    const api_entry* self = find_api(18);
    resp.api_keys.push_back({18, self->supported.min, self->supported.max});
    ctx.respond(resp);
}

}  // namespace sluice::broker
