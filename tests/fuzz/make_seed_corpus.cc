// Writes the seed corpus of the fuzz targets: a few valid requests (frames after their
// size, as broker::handle sees them) and a few valid record batches. Run once by hand,
//   build/.../tests/fuzz/fuzz_make_seed_corpus tests/fuzz/corpus
// and commit the files; libFuzzer mutates from them, fuzz_corpus_replay replays them.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sluice/common/crc32c.h"
#include "sluice/common/endian.h"
#include "sluice/protocol/header.h"
#include "sluice/protocol/messages/api_versions.h"
#include "sluice/protocol/messages/create_partitions.h"
#include "sluice/protocol/messages/create_topics.h"
#include "sluice/protocol/messages/delete_records.h"
#include "sluice/protocol/messages/delete_topics.h"
#include "sluice/protocol/messages/describe_cluster.h"
#include "sluice/protocol/messages/describe_configs.h"
#include "sluice/protocol/messages/fetch.h"
#include "sluice/protocol/messages/list_offsets.h"
#include "sluice/protocol/messages/metadata.h"
#include "sluice/protocol/messages/produce.h"
#include "sluice/storage/record_batch_builder.h"

namespace {

namespace fs = std::filesystem;
using namespace sluice;
using namespace sluice::protocol;

constexpr int64_t seed_time_ms = 1'700'000'000'000;

void write(const fs::path& path, const std::vector<uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
}

template <kafka_message M>
std::vector<uint8_t> request(const M& m, int16_t version) {
    std::vector<uint8_t> out;
    encode_request_header({M::api_key, version, 42, std::string("seed")}, is_flexible<M>(version),
                          out);
    encode_message(m, version, out);
    return out;
}

std::vector<uint8_t> batch_with_codec(storage::compression_type codec) {
    // The builder writes uncompressed records; a codec id over them still passes the
    // header checks (records of compressed batches are not walked yet), which is enough
    // to seed the compressed branches.
    auto b = storage::make_test_batch(2, 8, seed_time_ms, 3);
    uint16_t attrs = common::load_be16(b.data() + storage::batch_field::attributes);
    attrs = static_cast<uint16_t>((attrs & ~storage::batch_attribute::compression_mask) |
                                  static_cast<uint16_t>(codec));
    common::store_be16(b.data() + storage::batch_field::attributes, attrs);
    const size_t covered = storage::batch_field::attributes;
    common::store_be32(b.data() + storage::batch_field::crc,
                       common::crc32c(b.data() + covered, b.size() - covered));
    return b;
}

void write_requests(const fs::path& dir, const std::vector<uint8_t>& batch) {
    produce_request produce;
    produce.acks = -1;
    produce.timeout_ms = 30000;
    produce.topic_data.push_back({"orders", {{0, std::span<const uint8_t>(batch)}}});
    write(dir / "produce_v9", request(produce, 9));
    produce.transactional_id.reset();
    write(dir / "produce_v3", request(produce, 3));

    fetch_request fetch;
    fetch.max_wait_ms = 500;
    fetch.min_bytes = 1;
    fetch_partition part;
    part.fetch_offset = 5;
    part.partition_max_bytes = 1 << 20;
    fetch.topics.push_back({"orders", {}, {part}});
    write(dir / "fetch_v11", request(fetch, 11));
    fetch.cluster_id = "c1";
    write(dir / "fetch_v12_tagged", request(fetch, 12));
    fetch.topics[0].topic_id = uuid{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    fetch.replica_state = fetch_replica_state{1, 3};
    write(dir / "fetch_v16", request(fetch, 16));

    list_offsets_request lo;
    lo.replica_id = -1;
    lo.topics.push_back({"orders", {{0, -1, -1, 1}, {1, -1, seed_time_ms, 1}}});
    write(dir / "list_offsets_v1", request(lo, 1));
    write(dir / "list_offsets_v7", request(lo, 7));

    metadata_request md;
    md.topics.reset();
    write(dir / "metadata_v12_all", request(md, 12));
    md.topics = std::vector<metadata_request_topic>{{{}, std::string("orders")}};
    write(dir / "metadata_v4", request(md, 4));

    api_versions_request av;
    write(dir / "api_versions_v0", request(av, 0));
    av.client_software_name = "librdkafka";
    av.client_software_version = "2.3.0";
    write(dir / "api_versions_v3", request(av, 3));

    create_topics_request ct;
    creatable_topic topic;
    topic.name = "orders";
    topic.num_partitions = 3;
    topic.replication_factor = 1;
    topic.configs.push_back({"cleanup.policy", std::string("compact")});
    ct.topics.push_back(topic);
    write(dir / "create_topics_v7", request(ct, 7));
    write(dir / "create_topics_v2", request(ct, 2));

    delete_topics_request dt;
    dt.topic_names = {"orders"};
    dt.timeout_ms = 1000;
    write(dir / "delete_topics_v3", request(dt, 3));
    dt.topics.push_back({std::string("orders"), uuid{}});
    write(dir / "delete_topics_v6", request(dt, 6));

    describe_configs_request dc;
    dc.resources.push_back({2, "orders", std::vector<std::string>{"retention.ms"}});
    write(dir / "describe_configs_v4", request(dc, 4));

    create_partitions_request cp;
    cp.topics.push_back({"orders", 6, std::nullopt});
    write(dir / "create_partitions_v3", request(cp, 3));

    delete_records_request dr;
    dr.topics.push_back({"orders", {{0, 10}}});
    write(dir / "delete_records_v2", request(dr, 2));

    describe_cluster_request cl;
    write(dir / "describe_cluster_v1", request(cl, 1));
}

void write_batches(const fs::path& dir) {
    write(dir / "plain_3_records", storage::make_test_batch(3, 16, seed_time_ms, 1));

    const uint8_t key[] = {'k'};
    const uint8_t value[] = {'v', 'a', 'l'};
    const storage::record_header headers[] = {{"trace", std::span<const uint8_t>(value)},
                                              {"empty", std::nullopt}};
    storage::record_batch_builder with_headers(0, seed_time_ms);
    with_headers.add(std::span<const uint8_t>(key), std::span<const uint8_t>(value), seed_time_ms,
                     headers);
    with_headers.add(std::nullopt, std::nullopt, seed_time_ms - 5);  // out-of-order time
    with_headers.add(std::span<const uint8_t>(key), std::nullopt, seed_time_ms + 9);
    write(dir / "headers_nulls_times", with_headers.build());

    storage::record_batch_builder idempotent(0, seed_time_ms);
    idempotent.set_producer_id(4000).set_producer_epoch(2).set_base_sequence(17);
    idempotent.add(std::span<const uint8_t>(key), std::span<const uint8_t>(value), seed_time_ms);
    write(dir / "idempotent", idempotent.build());

    storage::record_batch_builder append_time(0, seed_time_ms);
    append_time.set_timestamp_type(storage::timestamp_type::log_append_time);
    append_time.add(std::nullopt, std::span<const uint8_t>(value), seed_time_ms);
    write(dir / "log_append_time", append_time.build());

    storage::record_batch_builder control(0, seed_time_ms);
    control.set_transactional(true).set_control(true).set_producer_id(5).set_producer_epoch(0);
    const uint8_t marker[] = {0, 0, 0, 1};
    control.add(std::span<const uint8_t>(marker), std::span<const uint8_t>(marker), seed_time_ms);
    write(dir / "control_marker", control.build());

    write(dir / "zstd_header_only", batch_with_codec(storage::compression_type::zstd));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR (e.g. tests/fuzz/corpus)\n", argv[0]);
        return 2;
    }
    const fs::path root = argv[1];
    fs::create_directories(root / "request_decoder");
    fs::create_directories(root / "batch_validator");
    write_batches(root / "batch_validator");
    write_requests(root / "request_decoder", storage::make_test_batch(2, 32, seed_time_ms, 2));
    std::printf("wrote the seed corpus under %s\n", root.c_str());
    return 0;
}
