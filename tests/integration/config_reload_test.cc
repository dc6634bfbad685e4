// SIGHUP (systemd's ExecReload): sluiced reads its configuration file again, applies the
// settings that can change while running to every topic at once, keeps serving, and names
// the ones that need a restart.

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "raw_kafka_client.h"
#include "sluice/protocol/messages/describe_configs.h"
#include "sluice/protocol/messages/metadata.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

class config_reload : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/sluiced-reload-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        _root = tmpl;
        _file = _root / "server.properties";
    }
    void TearDown() override { fs::remove_all(_root); }
    void write_config(const std::string& retention_ms, const std::string& listeners) {
        std::ofstream(_file) << "log.dirs=" << (_root / "data").string() << "\n"
                             << "listeners=" << listeners << "\n"
                             << "log.retention.ms=" << retention_ms << "\n";
    }
    /// The value DescribeConfigs gives for `key` of topic `topic` ("" if none).
    std::string topic_config(raw_kafka_client& c, const std::string& topic,
                             const std::string& key) {
        protocol::describe_configs_request req;
        req.resources.push_back({2, topic, std::vector<std::string>{key}});
        response_frame keep;
        auto resp = c.call<protocol::describe_configs_request, protocol::describe_configs_response>(
            req, 1, ++_correlation, keep);
        if (!resp || resp->results.empty() || resp->results[0].configs.empty()) return "";
        return resp->results[0].configs[0].value.value_or("");
    }
    fs::path _root, _file;
    int32_t _correlation = 0;
};

TEST_F(config_reload, sighup_applies_dynamic_settings_and_names_the_static_ones) {
    write_config("86400000", "PLAINTEXT://127.0.0.1:0");
    sluiced_process p({"--config", _file.string()});
    ASSERT_TRUE(p.wait_for("ready")) << p.output();
    const auto at = p.output().find("listening on 127.0.0.1:");
    ASSERT_NE(at, std::string::npos);
    const auto port = static_cast<uint16_t>(std::stoi(p.output().substr(at + 23)));
    raw_kafka_client c(port);
    ASSERT_TRUE(c.connected());
    // A topic on the broker's defaults (auto-created by Metadata).
    protocol::metadata_request md;
    md.topics = std::vector<protocol::metadata_request_topic>{{{}, std::string("reloaded")}};
    md.allow_auto_topic_creation = true;
    response_frame keep;
    ASSERT_TRUE((c.call<protocol::metadata_request, protocol::metadata_response>(md, 9, 99, keep)));
    EXPECT_EQ(topic_config(c, "reloaded", "retention.ms"), "86400000");

    write_config("3600000", "PLAINTEXT://127.0.0.1:1");  // the listener needs a restart
    p.signal(SIGHUP);
    ASSERT_TRUE(p.wait_for("configuration reloaded")) << p.output();
    EXPECT_NE(p.output().find("take effect only after a restart: listeners"), std::string::npos)
        << p.output();
    EXPECT_EQ(topic_config(c, "reloaded", "retention.ms"), "3600000")
        << "the existing topic's default did not follow the reload";

    // A bad file is refused and the running configuration stays.
    std::ofstream(_file) << "log.retention.ms=soon\n";
    p.signal(SIGHUP);
    ASSERT_TRUE(p.wait_for("configuration not reloaded")) << p.output();
    EXPECT_EQ(topic_config(c, "reloaded", "retention.ms"), "3600000");

    p.signal(SIGTERM);
    EXPECT_EQ(p.wait_exit(), 0) << p.output();
}

}  // namespace
}  // namespace sluice::testing
