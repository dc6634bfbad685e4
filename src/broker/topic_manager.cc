#include "topic_manager.h"

#include <algorithm>
#include <random>
#include <sstream>

#include "sluice/common/logger.h"
#include "sluice/storage/file_util.h"

namespace sluice::broker {

namespace {

using protocol::kafka_error;
constexpr const char* topics_dir = "__sluice_topics";

std::string uuid_to_base64(const protocol::uuid& id) {
    // URL-safe base64 without padding, as Kafka prints topic ids.
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    uint32_t buf = 0;
    int bits = 0;
    for (uint8_t b : id) {
        buf = (buf << 8) | b;
        bits += 8;
        while (bits >= 6) {
            out.push_back(a[(buf >> (bits - 6)) & 63]);
            bits -= 6;
        }
    }
    if (bits > 0) out.push_back(a[(buf << (6 - bits)) & 63]);
    return out;
}

std::optional<protocol::uuid> uuid_from_base64(const std::string& s) {
    protocol::uuid id{};
    uint32_t buf = 0;
    int bits = 0;
    size_t n = 0;
    for (char c : s) {
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '-' || c == '+')
            v = 62;
        else if (c == '_' || c == '/')
            v = 63;
        else
            return std::nullopt;
        buf = (buf << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            if (n >= id.size()) return std::nullopt;
            id[n++] = static_cast<uint8_t>(buf >> (bits - 8));
            bits -= 8;
        }
    }
    if (n != id.size()) return std::nullopt;
    return id;
}

protocol::uuid random_uuid() {
    std::random_device rd;
    protocol::uuid id{};
    for (auto& b : id) b = static_cast<uint8_t>(rd());
    // Kafka reserves the all-zero id (ZERO_UUID) and ids starting with '-' in base64.
    id[0] &= 0x7f;
    id[0] |= 0x01;
    return id;
}

bool write_text(const std::filesystem::path& p, const std::string& text) {
    return static_cast<bool>(storage::write_file_atomic(
        p, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}));
}

}  // namespace

std::string topic_manager::id_string(const protocol::uuid& id) {
    return uuid_to_base64(id);
}

topic_manager::topic_manager(storage::log_manager& logs, const broker_options& opts)
    : _logs(logs), _opts(opts) {}

size_t topic_manager::compact(int64_t now_ms) {
    size_t started = 0;
    for (const auto& [tp, l] : _logs.logs()) {
        auto t = _topics.find(tp.topic);
        if (t == _topics.end() || l->offline()) continue;
        // The topic's current configs decide (they may have changed since the log opened).
        const storage::log_config cfg = effective_log_config(_opts, t->second->configs);
        if (!cfg.cleanup_policy_compact) continue;
        storage::log* raw = l.get();
        if (std::any_of(_compacting.begin(), _compacting.end(),
                        [&](const auto& c) { return c.second.log == raw; })) {
            continue;  // its last pass is still running
        }
        l->set_config(cfg);
        auto job = l->begin_compaction(now_ms);
        if (!job) continue;
        if (!_cleaner) _cleaner = std::make_unique<storage::cleaner_thread>();
        const uint64_t tag = _next_compaction_tag++;
        _compacting.emplace(tag, doomed_log{tp, raw});
        _cleaner->submit(std::move(job), tag);
        ++started;
    }
    return started;
}

size_t topic_manager::finish_compactions() {
    if (!_cleaner || _compacting.empty()) return 0;
    size_t rewritten = 0;
    for (auto& f : _cleaner->take_finished()) {
        auto it = _compacting.find(f.tag);
        if (it == _compacting.end()) {
            f.job->discard();
            continue;
        }
        const storage::topic_partition tp = it->second.tp;
        storage::log* l = it->second.log;
        _compacting.erase(it);
        // The partition may have been deleted (and even created again) meanwhile.
        partition* p = find_partition(tp.topic, tp.partition);
        if (!p || &p->log() != l) {
            f.job->discard();
            continue;
        }
        auto r = l->finish_compaction(*f.job);
        if (!r) {
            SLUICE_LOG(error, "broker", "compaction of %s-%d failed: %s", tp.topic.c_str(),
                       tp.partition, storage::describe(r.error()));
            continue;
        }
        rewritten += r->segments_rewritten;
    }
    return rewritten;
}

void topic_manager::refresh_log_configs() {
    for (const auto& [tp, l] : _logs.logs()) {
        auto t = _topics.find(tp.topic);
        if (t != _topics.end()) l->set_config(effective_log_config(_opts, t->second->configs));
    }
}

size_t topic_manager::expire_producers(int64_t now_wall_ms) {
    size_t expired = 0;
    for (const auto& [tp, l] : _logs.logs()) {
        expired += l->expire_producers(now_wall_ms, _opts.producer_id_expiration_ms);
    }
    if (expired > 0) {
        SLUICE_LOG(info, "broker", "forgot %zu idempotent producer(s) silent for %lld ms", expired,
                   static_cast<long long>(_opts.producer_id_expiration_ms));
    }
    return expired;
}

topic_manager::~topic_manager() {
    for (auto& [name, t] : _topics) {
        for (auto& p : t->partitions) {
            if (p && !p->detached()) p->detach();
        }
    }
}

std::filesystem::path topic_manager::topic_file(const std::string& name) const {
    return _logs.dir() / topics_dir / (name + ".properties");
}

std::optional<std::string> topic_manager::invalid_topic_name(const std::string& name) {
    if (name.empty()) return "topic name is empty";
    if (name == "." || name == "..") return "topic name cannot be \".\" or \"..\"";
    if (name.size() > 249) return "topic name is longer than 249 characters";
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok) {
            return "topic name " + name +
                   " has a character other than ASCII letters, digits, '.', '_' and '-'";
        }
    }
    return std::nullopt;
}

bool topic_manager::persist(const topic_info& t) {
    std::error_code ec;
    std::filesystem::create_directories(_logs.dir() / topics_dir, ec);
    std::ostringstream out;
    out << "# Written by sluiced: topic metadata, replaced atomically on change.\n"
        << "topic.id=" << uuid_to_base64(t.id) << "\npartitions=" << t.partitions.size() << "\n";
    for (const auto& [k, v] : t.configs) out << "config." << k << "=" << v << "\n";
    return write_text(topic_file(t.name), out.str());
}

bool topic_manager::open_partitions(topic_info& t, int32_t from, int32_t to, int64_t now_ms) {
    const storage::log_config cfg = effective_log_config(_opts, t.configs);
    for (int32_t i = from; i < to; ++i) {
        storage::topic_partition tp{t.name, i};
        storage::log* l = _logs.find(tp);
        if (!l) {
            auto created = _logs.create(tp, cfg, now_ms);
            if (!created) return false;
            l = created.value();
            // Kafka's partition.metadata: which topic id this directory belongs to.
            write_text(l->dir() / "partition.metadata",
                       "version: 0\ntopic_id: " + uuid_to_base64(t.id) + "\n");
        } else {
            l->set_config(cfg);
        }
        if (static_cast<size_t>(i) >= t.partitions.size())
            t.partitions.resize(static_cast<size_t>(i) + 1);
        t.partitions[static_cast<size_t>(i)] = std::make_unique<partition>(t.name, i, l);
    }
    return true;
}

bool topic_manager::load(int64_t now_ms) {
    std::error_code ec;
    const auto dir = _logs.dir() / topics_dir;
    if (std::filesystem::exists(dir, ec)) {
        for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
            if (entry.path().extension() != ".properties") continue;
            auto bytes = storage::read_file(entry.path());
            if (!bytes) continue;
            auto t = std::make_unique<topic_info>();
            t->name = entry.path().stem().string();
            std::istringstream in(std::string(bytes->begin(), bytes->end()));
            std::string line;
            int32_t partitions = 0;
            while (std::getline(in, line)) {
                if (line.empty() || line[0] == '#') continue;
                auto eq = line.find('=');
                if (eq == std::string::npos) continue;
                std::string k = line.substr(0, eq), v = line.substr(eq + 1);
                if (k == "topic.id") {
                    if (auto id = uuid_from_base64(v)) t->id = *id;
                } else if (k == "partitions") {
                    partitions = std::atoi(v.c_str());
                } else if (k.starts_with("config.")) {
                    t->configs[k.substr(7)] = v;
                }
            }
            if (partitions <= 0) {
                SLUICE_LOG(warn, "broker", "ignoring %s: no partition count", entry.path().c_str());
                continue;
            }
            if (!open_partitions(*t, 0, partitions, now_ms)) return false;
            _topics.emplace(t->name, std::move(t));
        }
    }
    // Adopt partition directories that no topic file describes.
    std::map<std::string, int32_t> orphans;
    for (const auto& [tp, l] : _logs.logs()) {
        if (_topics.count(tp.topic)) continue;
        orphans[tp.topic] = std::max(orphans[tp.topic], tp.partition + 1);
    }
    for (const auto& [name, count] : orphans) {
        auto t = std::make_unique<topic_info>();
        t->name = name;
        t->id = random_uuid();
        if (!open_partitions(*t, 0, count, now_ms) || !persist(*t)) return false;
        SLUICE_LOG(info, "broker", "adopted topic %s with %d partition(s) found on disk",
                   name.c_str(), count);
        _topics.emplace(name, std::move(t));
    }
    return true;
}

topic_info* topic_manager::find(const std::string& name) {
    auto it = _topics.find(name);
    return it == _topics.end() ? nullptr : it->second.get();
}

topic_info* topic_manager::find(const protocol::uuid& id) {
    for (auto& [name, t] : _topics) {
        if (t->id == id) return t.get();
    }
    return nullptr;
}

partition* topic_manager::find_partition(const std::string& topic, int32_t index) {
    topic_info* t = find(topic);
    if (!t || index < 0 || static_cast<size_t>(index) >= t->partitions.size()) return nullptr;
    return t->partitions[static_cast<size_t>(index)].get();
}

std::optional<topic_error> topic_manager::create(const std::string& name, int32_t partitions,
                                                 int16_t replication_factor,
                                                 const config_map& configs, bool validate_only,
                                                 int64_t now_ms) {
    if (auto why = invalid_topic_name(name))
        return topic_error{kafka_error::invalid_topic_exception, *why};
    if (find(name))
        return topic_error{kafka_error::topic_already_exists, "topic " + name + " already exists"};
    if (partitions == -1) partitions = _opts.num_partitions;
    if (partitions <= 0 || partitions > 100000) {
        return topic_error{kafka_error::invalid_partitions,
                           "number of partitions must be between 1 and 100000"};
    }
    if (replication_factor != -1 && replication_factor != 1) {
        return topic_error{kafka_error::invalid_replication_factor,
                           "replication factor " + std::to_string(replication_factor) +
                               " is larger than the 1 available broker"};
    }
    for (const auto& [k, v] : configs) {
        if (auto why = validate_topic_config(k, v))
            return topic_error{kafka_error::invalid_config, *why};
    }
    if (validate_only) return std::nullopt;
    auto t = std::make_unique<topic_info>();
    t->name = name;
    t->id = random_uuid();
    t->configs = configs;
    if (!persist(*t) || !open_partitions(*t, 0, partitions, now_ms) || !persist(*t)) {
        return topic_error{kafka_error::kafka_storage_error,
                           "could not create the topic's files; see the broker log"};
    }
    SLUICE_LOG(info, "broker", "created topic %s with %d partition(s)", name.c_str(), partitions);
    _topics.emplace(name, std::move(t));
    return std::nullopt;
}

std::optional<topic_error> topic_manager::add_partitions(const std::string& name, int32_t new_total,
                                                         bool validate_only, int64_t now_ms) {
    topic_info* t = find(name);
    if (!t)
        return topic_error{kafka_error::unknown_topic_or_partition,
                           "topic " + name + " does not exist"};
    const auto current = static_cast<int32_t>(t->partitions.size());
    if (new_total <= current) {
        return topic_error{kafka_error::invalid_partitions,
                           "topic " + name + " has " + std::to_string(current) +
                               " partitions; the new count must be larger"};
    }
    if (new_total > 100000)
        return topic_error{kafka_error::invalid_partitions, "at most 100000 partitions"};
    if (validate_only) return std::nullopt;
    if (!open_partitions(*t, current, new_total, now_ms) || !persist(*t)) {
        return topic_error{kafka_error::kafka_storage_error,
                           "could not create the partitions' files"};
    }
    return std::nullopt;
}

std::optional<topic_error> topic_manager::remove(const std::string& name) {
    auto it = _topics.find(name);
    if (it == _topics.end())
        return topic_error{kafka_error::unknown_topic_or_partition,
                           "topic " + name + " does not exist"};
    topic_info& t = *it->second;
    for (auto& p : t.partitions) {
        storage::log& l = p->log();
        p->detach();
        // Pending writes finish on their own; the partition's files go once it is idle.
        _doomed.push_back({storage::topic_partition{t.name, p->index()}, &l});
    }
    std::error_code ec;
    std::filesystem::remove(topic_file(name), ec);
    (void)storage::fsync_dir(_logs.dir() / topics_dir);
    _topics.erase(it);
    reap_doomed();
    SLUICE_LOG(info, "broker", "deleted topic %s", name.c_str());
    return std::nullopt;
}

void topic_manager::reap_doomed() {
    std::erase_if(_doomed, [&](const doomed_log& d) {
        if (!d.log->idle()) return false;
        // The cleaner thread may be writing `.cleaned` files into its directory.
        if (std::any_of(_compacting.begin(), _compacting.end(),
                        [&](const auto& c) { return c.second.log == d.log; })) {
            return false;
        }
        if (auto r = _logs.remove(d.tp); !r) {
            SLUICE_LOG(error, "broker", "deleting partition %s-%d failed: %s", d.tp.topic.c_str(),
                       d.tp.partition, storage::describe(r.error()));
        }
        return true;
    });
}

}  // namespace sluice::broker
