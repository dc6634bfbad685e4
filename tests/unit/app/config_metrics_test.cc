// metrics.listener: HOST:PORT, empty for off, and the mistakes it names.

#include <gtest/gtest.h>

#include "config.h"

namespace sluice::app {
namespace {

TEST(config_metrics, off_unless_set) {
    broker_config cfg = load_config("", {});
    EXPECT_FALSE(cfg.broker.metrics_enabled);
    cfg = load_config("", {"metrics.listener=127.0.0.1:9644", "metrics.listener="});
    EXPECT_FALSE(cfg.broker.metrics_enabled);
}

TEST(config_metrics, host_and_port) {
    broker_config cfg = load_config("", {"metrics.listener=127.0.0.1:9644"});
    EXPECT_TRUE(cfg.broker.metrics_enabled);
    EXPECT_EQ(cfg.broker.metrics_host, "127.0.0.1");
    EXPECT_EQ(cfg.broker.metrics_port, 9644);
    cfg = load_config("", {"metrics.listener=[::1]:0"});
    EXPECT_EQ(cfg.broker.metrics_host, "::1");
    EXPECT_EQ(cfg.broker.metrics_port, 0);
    cfg = load_config("", {"metrics.listener=:9644"});
    EXPECT_TRUE(cfg.broker.metrics_enabled);
    EXPECT_EQ(cfg.broker.metrics_host, "");
}

TEST(config_metrics, bad_values_name_the_key) {
    for (const char* bad : {"metrics.listener=9644", "metrics.listener=http://127.0.0.1:9644",
                            "metrics.listener=127.0.0.1:70000", "metrics.listener=127.0.0.1:x"}) {
        try {
            (void)load_config("", {bad});
            ADD_FAILURE() << bad << " was accepted";
        } catch (const config_error& e) {
            EXPECT_NE(std::string(e.what()).find("metrics.listener"), std::string::npos)
                << e.what();
        }
    }
}

}  // namespace
}  // namespace sluice::app
