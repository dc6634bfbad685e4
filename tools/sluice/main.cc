// sluice: the admin and data command-line tool. Speaks the Kafka protocol to any broker.

#include <CLI/CLI.hpp>

#include "cli.h"

int main(int argc, char** argv) {
    using namespace sluice::cli;
    CLI::App app{
        "sluice: manage topics and produce/consume records on a Sluice (or any Kafka) broker"};
    app.require_subcommand(1);
    common_options common;
    app.add_option("-b,--bootstrap", common.bootstrap, "broker address HOST:PORT")
        ->capture_default_str();

    auto* topic = app.add_subcommand("topic", "create, list, describe or delete topics");
    topic->require_subcommand(1);
    std::string name;
    int32_t partitions = -1;
    int16_t replication = -1;
    std::vector<std::string> configs;
    auto* create = topic->add_subcommand("create", "create a topic");
    create->add_option("name", name, "topic name")->required();
    create->add_option("-p,--partitions", partitions,
                       "partitions (default: the broker's num.partitions)");
    create->add_option("-r,--replication-factor", replication, "replicas (default: the broker's)");
    create->add_option("-c,--config", configs, "topic config KEY=VALUE (repeatable)")
        ->take_all()
        ->expected(1);
    auto* list = topic->add_subcommand("list", "list topics");
    auto* describe =
        topic->add_subcommand("describe", "partitions, offsets and configs of a topic");
    describe->add_option("name", name, "topic name")->required();
    auto* del = topic->add_subcommand("delete", "delete a topic and its data");
    del->add_option("name", name, "topic name")->required();

    produce_options p;
    auto* produce_cmd = app.add_subcommand("produce", "send stdin lines as records, one per line");
    produce_cmd->add_option("topic", p.topic, "topic")->required();
    produce_cmd->add_option("-p,--partition", p.partition, "partition (default: by key, else 0)");
    produce_cmd->add_option("-k,--key-separator", p.key_separator,
                            "split each line into KEY<sep>VALUE at the first separator");
    produce_cmd->add_option("-a,--acks", p.acks, "all, 1 or 0")->capture_default_str();

    consume_options c;
    auto* consume_cmd = app.add_subcommand("consume", "print records: [offset] [key<sep>]value");
    consume_cmd->add_option("topic", c.topic, "topic")->required();
    consume_cmd->add_option("-p,--partition", c.partition, "partition (default: all)");
    consume_cmd->add_option("-f,--from", c.from, "beginning, end, or an offset")
        ->capture_default_str();
    consume_cmd->add_option("-n,--count", c.count, "stop after this many records");
    consume_cmd->add_flag("--follow", c.follow, "keep waiting for new records");
    consume_cmd->add_option("-k,--key-separator", c.key_separator, "print KEY<sep>VALUE");
    bool no_offsets = false;
    consume_cmd->add_flag("--no-offsets", no_offsets, "print only the records");

    CLI11_PARSE(app, argc, argv);
    c.print_offsets = !no_offsets;
    if (create->parsed()) return topic_create(common, name, partitions, replication, configs);
    if (list->parsed()) return topic_list(common);
    if (describe->parsed()) return topic_describe(common, name);
    if (del->parsed()) return topic_delete(common, name);
    if (produce_cmd->parsed()) return produce(common, p);
    if (consume_cmd->parsed()) return consume(common, c);
    return 2;
}
