// sluice dump-log FILE...: the record batches of segment files, one line per batch (like
// Kafka's kafka-dump-log.sh): position, offsets, record count, codec, timestamp type and
// timestamps, producer id/epoch/sequence, size, and whether the CRC-32C holds. Reads the
// files directly (no broker needed); stops at the first damaged header and says where.

#include <fcntl.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <vector>

#include "cli.h"
#include "sluice/common/crc32c.h"
#include "sluice/storage/record_batch.h"

namespace sluice::cli {

namespace {

const char* codec_name(storage::compression_type c) {
    switch (c) {
        case storage::compression_type::none:
            return "none";
        case storage::compression_type::gzip:
            return "gzip";
        case storage::compression_type::snappy:
            return "snappy";
        case storage::compression_type::lz4:
            return "lz4";
        case storage::compression_type::zstd:
            return "zstd";
    }
    return "unknown";
}

bool read_at(int fd, void* buf, size_t n, uint64_t pos) {
    size_t done = 0;
    while (done < n) {
        ssize_t r = ::pread(fd, static_cast<uint8_t*>(buf) + done, n - done,
                            static_cast<off_t>(pos + done));
        if (r <= 0) return false;
        done += static_cast<size_t>(r);
    }
    return true;
}

int dump_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        std::fprintf(stderr, "sluice: cannot open %s: %s\n", path.c_str(), std::strerror(errno));
        return 1;
    }
    std::printf("Dumping %s\n", path.c_str());
    uint64_t pos = 0;
    size_t batches = 0;
    int rc = 0;
    std::vector<uint8_t> batch;
    for (;;) {
        uint8_t head[storage::batch_log_overhead_bytes];
        if (!read_at(fd, head, sizeof head, pos)) break;  // end of file
        auto size = storage::peek_batch_size({head, sizeof head});
        if (!size) {
            std::printf("damaged batch header at byte %" PRIu64 " (batchLength too small)\n", pos);
            rc = 1;
            break;
        }
        batch.resize(*size);
        if (!read_at(fd, batch.data(), batch.size(), pos)) {
            std::printf("batch at byte %" PRIu64 " claims %zu bytes but the file ends first\n", pos,
                        batch.size());
            rc = 1;
            break;
        }
        if (batch.size() < storage::batch_header_bytes) {
            std::printf("batch at byte %" PRIu64 " shorter than a v2 header\n", pos);
            rc = 1;
            break;
        }
        storage::record_batch_view v(batch);
        const size_t covered_from = storage::batch_field::attributes;
        const bool crc_ok =
            v.magic() == storage::batch_magic_v2 &&
            common::crc32c(batch.data() + covered_from, batch.size() - covered_from) == v.crc();
        std::printf("baseOffset: %" PRId64 " lastOffset: %" PRId64 " count: %d position: %" PRIu64
                    " size: %zu magic: %d compresscodec: %s timestampType: %s "
                    "baseTimestamp: %" PRId64 " maxTimestamp: %" PRId64 " producerId: %" PRId64
                    " producerEpoch: %d baseSequence: %d isTransactional: %s isControl: %s "
                    "partitionLeaderEpoch: %d crc: %08x crcValid: %s\n",
                    v.base_offset(), v.last_offset(), v.record_count(), pos, batch.size(),
                    int{v.magic()}, codec_name(v.compression()),
                    v.timestamp_type() == storage::timestamp_type::log_append_time
                        ? "LOG_APPEND_TIME"
                        : "CREATE_TIME",
                    v.base_timestamp(), v.max_timestamp(), v.producer_id(), int{v.producer_epoch()},
                    v.base_sequence(), v.is_transactional() ? "true" : "false",
                    v.is_control() ? "true" : "false", v.partition_leader_epoch(), v.crc(),
                    crc_ok ? "true" : "false");
        if (!crc_ok) rc = 1;
        pos += batch.size();
        ++batches;
    }
    std::printf("%zu batch(es), %" PRIu64 " bytes\n", batches, pos);
    ::close(fd);
    return rc;
}

}  // namespace

int dump_log(const std::vector<std::string>& files) {
    int rc = 0;
    for (const auto& f : files) rc |= dump_file(f);
    return rc;
}

}  // namespace sluice::cli
