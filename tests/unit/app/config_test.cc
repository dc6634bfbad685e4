#include "config.h"

#include <gtest/gtest.h>

#include <fstream>

namespace sluice::app {
namespace {

TEST(config, defaults_are_kafkas) {
    broker_config cfg = load_config("", {});
    EXPECT_EQ(cfg.broker.log.segment_bytes, 1ull << 30);
    EXPECT_EQ(cfg.broker.log.index_interval_bytes, 4096u);
    EXPECT_EQ(cfg.broker.log.retention_ms, 7ll * 24 * 3600 * 1000);
    EXPECT_EQ(cfg.broker.log.retention_bytes, -1);
    EXPECT_EQ(cfg.broker.log.max_message_bytes, 1048588u);
}

TEST(config, file_then_overrides_in_order) {
    char path[] = "/tmp/sluice-config-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    ::close(fd);
    {
        std::ofstream out(path);
        out << "# comment\n! also a comment\n\nlog.dirs = /var/lib/sluice\nnode.id=3\n"
               "log.retention.hours=2\nlog.segment.bytes=1048576\n"
               "listeners=PLAINTEXT://0.0.0.0:19092\nauto.create.topics.enable=false\n";
    }
    broker_config cfg = load_config(path, {"node.id=4", "log.retention.ms=5000"});
    std::remove(path);
    ASSERT_EQ(cfg.log_dirs.size(), 1u);
    EXPECT_EQ(cfg.log_dirs[0], "/var/lib/sluice");
    EXPECT_EQ(cfg.broker.node_id, 4);
    EXPECT_EQ(cfg.broker.log.retention_ms, 5000);
    EXPECT_EQ(cfg.broker.log.segment_bytes, 1u << 20);
    EXPECT_EQ(cfg.broker.listen_host, "0.0.0.0");
    EXPECT_EQ(cfg.broker.listen_port, 19092);
    EXPECT_FALSE(cfg.broker.auto_create_topics);
}

TEST(config, log_dirs_is_a_comma_separated_list_and_write_mode_is_checked) {
    broker_config cfg = load_config("", {"log.dirs=/srv/a, /srv/b ,/srv/c"});
    ASSERT_EQ(cfg.log_dirs.size(), 3u);
    EXPECT_EQ(cfg.log_dirs[0], "/srv/a");
    EXPECT_EQ(cfg.log_dirs[1], "/srv/b");
    EXPECT_EQ(cfg.log_dirs[2], "/srv/c");
    EXPECT_THROW((void)load_config("", {"log.dirs=/srv/a,,/srv/b"}), config_error);
    EXPECT_THROW((void)load_config("", {"log.dirs="}), config_error);
    EXPECT_FALSE(load_config("", {}).broker.log.direct_io);
    EXPECT_TRUE(load_config("", {"log.write.mode=direct"}).broker.log.direct_io);
    EXPECT_FALSE(load_config("", {"log.write.mode=buffered"}).broker.log.direct_io);
    EXPECT_THROW((void)load_config("", {"log.write.mode=fast"}), config_error);
}

TEST(config, bad_values_are_refused_with_the_key_named) {
    try {
        (void)load_config("", {"log.segment.bytes=lots"});
        FAIL() << "accepted a non-integer";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("log.segment.bytes"), std::string::npos);
    }
    EXPECT_THROW((void)load_config("", {"node.id=-1"}), config_error);
    EXPECT_THROW((void)load_config("", {"no-equals-sign"}), config_error);
    EXPECT_THROW((void)load_config("/nonexistent/file", {}), config_error);
    EXPECT_THROW((void)parse_properties("just words\n", "x"), config_error);
    EXPECT_THROW((void)load_config("", {"no.such.setting=1"}), config_error);
    EXPECT_THROW((void)load_config("", {"listeners=SSL://host:9093"}), config_error);
    EXPECT_THROW((void)load_config("", {"listeners=PLAINTEXT://host"}), config_error);
    EXPECT_THROW((void)load_config("", {"auto.create.topics.enable=maybe"}), config_error);
}

}  // namespace
}  // namespace sluice::app
