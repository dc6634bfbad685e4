// DeleteTopics (key 20): remove topics by name (v0-5 `topic_names`, v6 `topics`) or by
// topic id (v6, KIP-516). A topic's files go once its last writes have finished
// (topic_manager::remove); the answer does not wait for that, as Kafka's does not wait
// for the log directories to be renamed and deleted. timeout_ms is therefore ignored.

#include <map>
#include <set>

#include "../broker.h"
#include "../kafka_errors.h"
#include "handlers.h"
#include "sluice/protocol/messages/delete_topics.h"

namespace sluice::broker {

namespace {

using protocol::kafka_error;

void set_error(protocol::deletable_topic_result& r, kafka_error e, std::string message) {
    r.error_code = code(e);
    r.error_message = message.empty() ? protocol::kafka_error_message(e) : std::move(message);
}

void delete_one(broker& b, const protocol::delete_topic_state& want,
                protocol::deletable_topic_result& r) {
    topic_info* t = nullptr;
    if (want.name) {
        t = b.topics().find(*want.name);
        if (!t) {
            set_error(r, kafka_error::unknown_topic_or_partition,
                      "topic " + *want.name + " does not exist");
            return;
        }
    } else {
        t = b.topics().find(want.topic_id);
        if (!t) {
            set_error(r, kafka_error::unknown_topic_id,
                      "no topic has id " + topic_manager::id_string(want.topic_id));
            return;
        }
    }
    r.name = t->name;
    r.topic_id = t->id;
    const std::string name = t->name;  // `t` dies with the topic
    if (auto e = b.topics().remove(name)) set_error(r, e->code, e->message);
}

}  // namespace

void handle_delete_topics(request_context& ctx) {
    auto req = decode_or_reject<protocol::delete_topics_request>(ctx);
    if (!req) return;
    broker& b = *ctx.owner;

    std::vector<protocol::delete_topic_state> wanted;
    if (ctx.version() >= 6) {
        wanted = std::move(req->topics);
    } else {
        for (auto& name : req->topic_names) wanted.push_back({std::move(name), {}});
    }
    // Kafka's controller refuses a topic named (or identified) twice, once, and deletes
    // neither entry (ControllerApis.deleteTopics).
    std::map<std::string, int> names;
    std::map<protocol::uuid, int> ids;
    for (const auto& w : wanted) {
        if (w.name)
            ++names[*w.name];
        else
            ++ids[w.topic_id];
    }
    std::set<std::string> refused_names;
    std::set<protocol::uuid> refused_ids;

    protocol::delete_topics_response resp;
    for (const auto& w : wanted) {
        protocol::deletable_topic_result r;
        r.name = w.name;
        r.topic_id = w.topic_id;
        if (w.name && w.topic_id != protocol::uuid{}) {
            set_error(r, kafka_error::invalid_request, "give a topic by name or by id, not both");
        } else if (w.name && names[*w.name] > 1) {
            if (!refused_names.insert(*w.name).second) continue;
            set_error(r, kafka_error::invalid_request,
                      "topic " + *w.name + " appears more than once in the request");
        } else if (!w.name && ids[w.topic_id] > 1) {
            if (!refused_ids.insert(w.topic_id).second) continue;
            set_error(r, kafka_error::invalid_request,
                      "topic id " + topic_manager::id_string(w.topic_id) +
                          " appears more than once in the request");
        } else {
            delete_one(b, w, r);
        }
        resp.responses.push_back(std::move(r));
    }
    ctx.respond(resp);
}

}  // namespace sluice::broker
