#pragma once
// render_metrics: the body of GET /metrics, walked from the broker's state on its reactor
// thread at scrape time (metrics_text.h writes the format). Every metric name, type and
// label is listed in the root README's metrics table.

#include <string>

namespace sluice::broker {

class broker;

std::string render_metrics(broker& b);

}  // namespace sluice::broker
