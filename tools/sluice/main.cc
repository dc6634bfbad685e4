// sluice: the admin and data command-line tool. Speaks the Kafka protocol to any broker.

#include <CLI/CLI.hpp>

#include "cli.h"

int main(int argc, char** argv) {
    using namespace sluice::cli;
    CLI::App app{
        "sluice: manage topics and consumer groups, produce/consume records on a Sluice (or any "
        "Kafka) broker"};
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

    auto* group =
        app.add_subcommand("group", "list, describe or delete consumer groups, reset offsets");
    group->require_subcommand(1);
    std::string group_id;
    auto* group_list_cmd = group->add_subcommand("list", "list groups with their state");
    auto* group_describe_cmd = group->add_subcommand(
        "describe", "members, assignments, committed offsets, log end and lag of a group");
    group_describe_cmd->add_option("group", group_id, "group id")->required();
    auto* group_delete_cmd =
        group->add_subcommand("delete", "delete a group without members and its offsets");
    group_delete_cmd->add_option("group", group_id, "group id")->required();
    reset_options reset;
    bool to_earliest = false, to_latest = false;
    auto* reset_cmd = group->add_subcommand(
        "reset-offsets", "set a group's committed offsets of a topic (group must be empty)");
    reset_cmd->add_option("group", reset.group, "group id")->required();
    reset_cmd->add_option("-t,--topic", reset.topic, "topic")->required();
    reset_cmd->add_option("-p,--partition", reset.partition, "partition (default: all)");
    auto* earliest = reset_cmd->add_flag("--to-earliest", to_earliest, "the log start offset");
    auto* latest = reset_cmd->add_flag("--to-latest", to_latest, "the log end offset");
    auto* to_offset = reset_cmd->add_option("--to-offset", reset.offset, "this offset");
    earliest->excludes(latest)->excludes(to_offset);
    latest->excludes(to_offset);
    reset_cmd->add_flag("--dry-run", reset.dry_run, "show the new offsets, commit nothing");

    std::vector<std::string> dump_files;
    auto* dump_cmd = app.add_subcommand(
        "dump-log", "print the record batches of segment files (.log), one line per batch");
    dump_cmd->add_option("files", dump_files, "segment files")
        ->required()
        ->check(CLI::ExistingFile);

    CLI11_PARSE(app, argc, argv);
    if (dump_cmd->parsed()) return dump_log(dump_files);
    c.print_offsets = !no_offsets;
    if (group_list_cmd->parsed()) return group_list(common);
    if (group_describe_cmd->parsed()) return group_describe(common, group_id);
    if (group_delete_cmd->parsed()) return group_delete(common, group_id);
    if (reset_cmd->parsed()) {
        if (!to_earliest && !to_latest && to_offset->count() == 0) {
            std::fprintf(stderr,
                         "sluice: group reset-offsets: say where to: --to-earliest, --to-latest "
                         "or --to-offset N\n");
            return 2;
        }
        reset.to = to_earliest ? reset_to::earliest
                   : to_latest ? reset_to::latest
                               : reset_to::offset;
        return group_reset_offsets(common, reset);
    }
    if (create->parsed()) return topic_create(common, name, partitions, replication, configs);
    if (list->parsed()) return topic_list(common);
    if (describe->parsed()) return topic_describe(common, name);
    if (del->parsed()) return topic_delete(common, name);
    if (produce_cmd->parsed()) return produce(common, p);
    if (consume_cmd->parsed()) return consume(common, c);
    return 2;
}
