// sluiced: the Sluice broker daemon. It opens its log directory, recovers every
// partition, serves Kafka clients on its listener, keeps checkpoints and retention running,
// and stops cleanly on SIGTERM or SIGINT (no new connections, waiting fetches answered,
// every write flushed, checkpoints and the clean-shutdown marker written, exit 0).

#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <functional>

#include "broker.h"
#include "config.h"
#include "sluice/common/clock.h"
#include "sluice/common/logger.h"
#include "sluice/io/probe.h"
#include "sluice/io/reactor.h"
#include "sluice/storage/log_manager.h"

namespace {

using namespace sluice;

/// Runs `fn` every `interval_ms` on the reactor until stop().
class periodic_timer final : public io::completion {
  public:
    periodic_timer(io::reactor& r, int64_t interval_ms, std::function<void()> fn)
        : _reactor(r), _fn(std::move(fn)) {
        _ts.tv_sec = interval_ms / 1000;
        _ts.tv_nsec = (interval_ms % 1000) * 1'000'000;
        _reactor.timeout(&_ts, this);
    }
    void stop() {
        _stopped = true;
        _reactor.cancel(this);
    }
    void complete(int32_t, uint32_t) override {
        if (_stopped) return;
        _fn();
        _reactor.timeout(&_ts, this);
    }

  private:
    io::reactor& _reactor;
    std::function<void()> _fn;
    __kernel_timespec _ts{};
    bool _stopped = false;
};

/// Waits for signals on a signalfd through the reactor; keeps waiting while the callback
/// returns true (SIGHUP), stops after it returns false (SIGTERM/SIGINT: shutting down).
class signal_watch final : public io::completion {
  public:
    signal_watch(io::reactor& r, int fd, std::function<bool(int)> fn)
        : _reactor(r), _fd(fd), _fn(std::move(fn)) {
        arm();
    }
    void complete(int32_t res, uint32_t) override {
        if (res == static_cast<int32_t>(sizeof _info)) {
            if (_fn(static_cast<int>(_info.ssi_signo))) arm();
            return;
        }
        if (res == -EINTR || res == -EAGAIN) arm();
    }

  private:
    void arm() { _reactor.read(_fd, &_info, sizeof _info, UINT64_MAX, this); }
    io::reactor& _reactor;
    int _fd;
    std::function<bool(int)> _fn;
    signalfd_siginfo _info{};
};

/// Every partition keeps its segment's .log, .index and .timeindex open, and every client
/// a socket: take the whole open-files allowance the hard limit grants (systemd's
/// LimitNOFILE sets both), as Kafka's scripts expect an administrator to.
void raise_open_files_limit() {
    rlimit l{};
    if (::getrlimit(RLIMIT_NOFILE, &l) != 0 || l.rlim_cur >= l.rlim_max) return;
    const rlim_t before = l.rlim_cur;
    l.rlim_cur = l.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &l) == 0) {
        SLUICE_LOG(info, "sluiced", "open files limit raised from %llu to %llu",
                   static_cast<unsigned long long>(before),
                   static_cast<unsigned long long>(l.rlim_cur));
    }
}

/// SIGHUP (systemd's ExecReload): read the configuration again and apply what can change
/// while running; name what needs a restart.
void reload(broker::broker& server, const app::broker_config& running,
            const std::string& config_file, const std::vector<std::string>& overrides) {
    sd_notify(0, "RELOADING=1\nSTATUS=reloading the configuration");
    app::broker_config next;
    try {
        next = app::load_config(config_file, overrides);
    } catch (const app::config_error& e) {
        SLUICE_LOG(error, "sluiced", "configuration not reloaded, the running one stays: %s",
                   e.what());
        sd_notify(0, "READY=1\nSTATUS=serving (the last reload failed; see the log)");
        return;
    }
    std::vector<std::string> restart = server.apply_dynamic_options(next.broker);
    if (next.log_dirs != running.log_dirs) restart.push_back("log.dirs");
    if (next.retention_check_interval_ms != running.retention_check_interval_ms) {
        restart.push_back("log.retention.check.interval.ms");
    }
    if (next.checkpoint_interval_ms != running.checkpoint_interval_ms) {
        restart.push_back("log.flush.offset.checkpoint.interval.ms");
    }
    std::string names;
    for (const auto& n : restart) names += (names.empty() ? "" : ", ") + n;
    SLUICE_LOG(info, "sluiced", "configuration reloaded from %s%s%s",
               config_file.empty() ? "the command line" : config_file.c_str(),
               restart.empty() ? "" : "; these changed but take effect only after a restart: ",
               names.c_str());
    sd_notify(0, "READY=1\nSTATUS=serving (configuration reloaded)");
}

int run(const app::broker_config& cfg, const std::string& config_file,
        const std::vector<std::string>& overrides) {
    raise_open_files_limit();
    io::probe_report probe = io::probe_io_uring();
    if (!probe.usable) {
        std::fprintf(stderr, "sluiced: cannot use io_uring: %s\n", probe.problem.c_str());
        return 1;
    }
    // A peer that closes while a fetch is being spliced into its socket would otherwise
    // kill the broker: splice has no MSG_NOSIGNAL, so the write fails with EPIPE instead.
    signal(SIGPIPE, SIG_IGN);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
    if (sfd < 0) {
        std::perror("sluiced: signalfd");
        return 1;
    }
    std::string why;
    auto reactor = io::reactor::create(io::reactor_config{}, &why);
    if (!reactor) {
        std::fprintf(stderr, "sluiced: cannot set up io_uring: %s\n", why.c_str());
        return 1;
    }
    io::reactor& r = *reactor.value();

    const int64_t started = common::monotonic_ms();
    std::string dir_names;
    for (const auto& d : cfg.log_dirs) dir_names += (dir_names.empty() ? "" : ",") + d.string();
    sd_notifyf(0, "STATUS=recovering the log directories %s", dir_names.c_str());
    storage::log_manager_options opts{cfg.log_dirs, cfg.broker.node_id, cfg.broker.log};
    auto manager = storage::log_manager::open(r, opts, common::wall_clock_ms());
    if (!manager) {
        std::fprintf(stderr, "sluiced: cannot open log.dirs %s (%s); see the messages above\n",
                     dir_names.c_str(), storage::describe(manager.error()));
        return 1;
    }
    storage::log_manager& logs = *manager.value();
    SLUICE_LOG(info, "sluiced", "log.dirs %s: %zu partition(s) opened after a%s stop in %lld ms",
               dir_names.c_str(), logs.logs().size(),
               logs.last_stop_was_clean() ? " clean" : "n unclean (or first)",
               static_cast<long long>(common::monotonic_ms() - started));

    auto server_owner = std::make_unique<broker::broker>(r, logs, cfg.broker);
    broker::broker& server = *server_owner;
    std::string broker_why;
    if (!server.start(&broker_why)) {
        std::fprintf(stderr, "sluiced: %s\n", broker_why.c_str());
        server_owner.reset();
        r.stop();
        r.run();
        (void)logs.close();
        return 1;
    }
    periodic_timer checkpoints(r, cfg.checkpoint_interval_ms, [&] {
        if (auto res = logs.write_checkpoints(); !res) {
            SLUICE_LOG(error, "sluiced", "writing checkpoints failed: %s",
                       storage::describe(res.error()));
        }
    });
    periodic_timer retention(r, cfg.retention_check_interval_ms,
                             [&] { server.topics().apply_retention(common::wall_clock_ms()); });
    // Log compaction: passes start here and run on a cleaner thread; the housekeeping tick
    // swaps in what they finished (storage/compaction.h).
    periodic_timer cleaner(r, cfg.broker.log_cleaner_backoff_ms,
                           [&] { server.topics().compact(common::wall_clock_ms()); });
    // Group timers (session expiry, rebalance delays) and deleted topics' files.
    periodic_timer housekeeping(r, 50, [&] { server.tick(); });
    // systemd's WatchdogSec=: pinged from the reactor's own loop at half the interval, so a
    // stalled shard stops the pings and systemd restarts the broker.
    uint64_t watchdog_usec = 0;
    const bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec > 0;
    periodic_timer watchdog_ping(
        r, watchdog ? std::max<int64_t>(1, static_cast<int64_t>(watchdog_usec / 2000)) : 3600000,
        [&] {
            if (watchdog) sd_notify(0, "WATCHDOG=1");
        });
    if (watchdog) {
        SLUICE_LOG(info, "sluiced", "systemd watchdog: pinging every %llu ms",
                   static_cast<unsigned long long>(watchdog_usec / 2000));
    }
    signal_watch signals(r, sfd, [&](int signo) {
        if (signo == SIGHUP) {
            reload(server, cfg, config_file, overrides);
            return true;
        }
        sd_notify(0, "STOPPING=1\nSTATUS=stopping: answering in-flight requests, then flushing");
        SLUICE_LOG(info, "sluiced", "received %s; stopping",
                   signo == SIGTERM ? "SIGTERM" : "SIGINT");
        server.stop();
        checkpoints.stop();
        retention.stop();
        cleaner.stop();
        housekeeping.stop();
        watchdog_ping.stop();
        return false;
    });
    SLUICE_LOG(info, "sluiced", "listening on %s:%u (advertised as %s:%d), cluster id %s",
               cfg.broker.listen_host.c_str(), static_cast<unsigned>(server.port()),
               server.advertised_host().c_str(), server.advertised_port(),
               server.cluster_id().c_str());
    size_t partitions = 0;
    for (const auto& [name, t] : server.topics().topics()) partitions += t->partitions.size();
    sd_notifyf(0, "READY=1\nSTATUS=serving %zu partition(s) of %zu topic(s) on %s:%u", partitions,
               server.topics().topics().size(), cfg.broker.listen_host.c_str(),
               static_cast<unsigned>(server.port()));
    SLUICE_LOG(info, "sluiced", "ready (node.id %d, pid %d)", cfg.broker.node_id,
               static_cast<int>(getpid()));

    r.run();  // returns once the signal arrived and all I/O has drained
    int rc = 0;
    server.tick();  // deleted topics whose last writes just finished
    server_owner.reset();
    if (auto res = logs.close(); !res) {
        SLUICE_LOG(error, "sluiced", "clean shutdown failed: %s; the next start will recover",
                   storage::describe(res.error()));
        rc = 1;
    }
    manager.value().reset();
    ::close(sfd);
    SLUICE_LOG(info, "sluiced", "stopped cleanly");
    return rc;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{
        "sluiced: the Sluice broker daemon (Kafka protocol on io_uring).\n"
        "Opens the log directory, recovers every partition and runs until SIGTERM/SIGINT.\n"
        "SIGHUP reads the configuration again and applies what can change while running."};
    cli.set_version_flag("--version", std::string("sluiced ") + SLUICE_VERSION);
    std::string config_file;
    std::vector<std::string> overrides;
    cli.add_option("-c,--config", config_file, "server.properties-style file (Kafka key names)")
        ->check(CLI::ExistingFile);
    cli.add_option(
           "--set", overrides,
           "KEY=VALUE overriding the file; repeatable (e.g. --set log.dirs=/var/lib/sluice)")
        ->expected(1)
        ->take_all();
    CLI11_PARSE(cli, argc, argv);

    sluice::app::broker_config cfg;
    try {
        cfg = sluice::app::load_config(config_file, overrides);
    } catch (const sluice::app::config_error& e) {
        std::fprintf(stderr, "sluiced: %s\n", e.what());
        return 2;
    }
    return run(cfg, config_file, overrides);
}
