#include "metrics_registry.h"

#include "../broker.h"

namespace sluice::broker {

metrics_registry::metrics_registry() {
    for (const api_entry& a : api_table()) {
        if (a.key < 0) continue;
        const auto key = static_cast<size_t>(a.key);
        if (_requests.size() <= key) _requests.resize(key + 1);
        _requests[key].resize(static_cast<size_t>(a.supported.max) + 1);
    }
}

request_probe* metrics_registry::request(int16_t api_key, int16_t api_version) {
    if (api_key < 0 || api_version < 0 || static_cast<size_t>(api_key) >= _requests.size())
        return nullptr;
    auto& versions = _requests[static_cast<size_t>(api_key)];
    if (static_cast<size_t>(api_version) >= versions.size()) return nullptr;
    return &versions[static_cast<size_t>(api_version)];
}

const request_probe* metrics_registry::request(int16_t api_key, int16_t api_version) const {
    return const_cast<metrics_registry*>(this)->request(api_key, api_version);
}

}  // namespace sluice::broker
