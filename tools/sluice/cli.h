#pragma once
// Shared pieces of the `sluice` command-line tool: connecting, printing errors plainly.

#include <cstdio>
#include <string>

#include "sluice/client/kafka_connection.h"
#include "sluice/protocol/kafka_error.h"

namespace sluice::cli {

struct common_options {
    std::string bootstrap = "127.0.0.1:9092";
};

/// How long topic create/delete wait for the answer: a topic of many thousands of
/// partitions takes the broker tens of seconds to create (files, fsyncs).
constexpr int topic_admin_timeout_ms = 120'000;

/// Connect or print why not (exit code 1 for the caller). `timeout_ms` bounds the wait
/// for each answer.
inline bool connect(client::kafka_connection& c, const common_options& o, int timeout_ms = 10'000) {
    std::string why;
    if (c.connect(o.bootstrap, &why, timeout_ms)) return true;
    std::fprintf(stderr, "sluice: %s (is sluiced running? use --bootstrap HOST:PORT)\n",
                 why.c_str());
    return false;
}

/// Print a Kafka error for `what`; returns false when there was one.
inline bool check(int16_t error_code, const std::optional<std::string>& message,
                  const std::string& what) {
    if (error_code == 0) return true;
    auto e = static_cast<protocol::kafka_error>(error_code);
    std::fprintf(stderr, "sluice: %s: %s (%s)\n", what.c_str(),
                 message && !message->empty() ? message->c_str() : protocol::kafka_error_message(e),
                 protocol::kafka_error_name(e));
    return false;
}

int topic_create(const common_options& o, const std::string& name, int32_t partitions,
                 int16_t replication, const std::vector<std::string>& configs);
int topic_list(const common_options& o);
int topic_describe(const common_options& o, const std::string& name);
int topic_delete(const common_options& o, const std::string& name);

struct produce_options {
    std::string topic;
    int32_t partition = -1;  // -1: by key (murmur2, as Kafka's default partitioner), else 0
    std::string key_separator;
    std::string acks = "all";
    size_t batch_records = 1000;
};
int produce(const common_options& o, const produce_options& p);

struct consume_options {
    std::string topic;
    int32_t partition = -1;          // -1: all partitions
    std::string from = "beginning";  // beginning | end | OFFSET
    int64_t count = -1;
    bool follow = false;
    bool print_offsets = true;
    std::string key_separator;
};
int consume(const common_options& o, const consume_options& c);

/// The batches of segment files, one line each (no broker needed); 1 if any is damaged.
int dump_log(const std::vector<std::string>& files);

int group_list(const common_options& o);
int group_describe(const common_options& o, const std::string& group);
int group_delete(const common_options& o, const std::string& group);

enum class reset_to { earliest, latest, offset };
struct reset_options {
    std::string group;
    std::string topic;
    int32_t partition = -1;  // -1: every partition of the topic
    reset_to to = reset_to::earliest;
    int64_t offset = 0;  // for reset_to::offset
    bool dry_run = false;
};
/// Commit new offsets for a group that has no members (refused otherwise).
int group_reset_offsets(const common_options& o, const reset_options& r);

}  // namespace sluice::cli
