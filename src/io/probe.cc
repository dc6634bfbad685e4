#include "sluice/io/probe.h"

#include <liburing.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace sluice::io {

namespace {

struct needed_op {
    int op;
    const char* name;
};
// Every opcode src/io submits.
constexpr needed_op needed_ops[] = {
    {IORING_OP_READ, "READ"},
    {IORING_OP_WRITE, "WRITE"},
    {IORING_OP_WRITEV, "WRITEV"},
    {IORING_OP_FSYNC, "FSYNC"},
    {IORING_OP_FALLOCATE, "FALLOCATE"},
    {IORING_OP_TIMEOUT, "TIMEOUT"},
    {IORING_OP_ACCEPT, "ACCEPT"},
    {IORING_OP_RECV, "RECV"},
    {IORING_OP_SEND, "SEND"},
    {IORING_OP_SPLICE, "SPLICE"},
    {IORING_OP_POLL_ADD, "POLL_ADD"},
    {IORING_OP_ASYNC_CANCEL, "ASYNC_CANCEL"},
    {IORING_OP_PROVIDE_BUFFERS, "PROVIDE_BUFFERS"},
};

int read_sysctl_io_uring_disabled() {
    std::ifstream in("/proc/sys/kernel/io_uring_disabled");
    int v = 0;
    if (in >> v) return v;
    return -1;  // sysctl absent (kernels before 6.6)
}

std::string explain_setup_failure(int err) {
    std::string why = std::string("io_uring_setup failed: ") + std::strerror(err) + ". ";
    int disabled = read_sysctl_io_uring_disabled();
    switch (err) {
        case ENOSYS:
            return why +
                   "This kernel has no io_uring (needs Linux 5.19 or newer). Run Sluice on a "
                   "newer kernel.";
        case EPERM:
        case EACCES:
            if (disabled == 2) {
                return why +
                       "The sysctl kernel.io_uring_disabled is 2, which turns io_uring off for "
                       "everyone. Set it to 0 (sysctl -w kernel.io_uring_disabled=0).";
            }
            if (disabled == 1) {
                return why +
                       "The sysctl kernel.io_uring_disabled is 1: only root or members of "
                       "kernel.io_uring_group may use io_uring. Run sluiced in that group or set "
                       "the sysctl to 0.";
            }
            return why +
                   "A seccomp filter blocks io_uring (Docker's and Podman's default profiles "
                   "do). Run the container with a profile that allows io_uring_setup, "
                   "io_uring_enter and io_uring_register, or run sluiced on the host.";
        case ENOMEM: {
            rlimit rl{};
            getrlimit(RLIMIT_MEMLOCK, &rl);
            return why + "The kernel could not lock ring memory; RLIMIT_MEMLOCK is " +
                   std::to_string(rl.rlim_cur) +
                   " bytes. Raise it (ulimit -l unlimited, or LimitMEMLOCK=infinity in the "
                   "systemd unit).";
        }
        default:
            return why +
                   "Check that the kernel supports io_uring and that no security policy "
                   "blocks it.";
    }
}

}  // namespace

probe_report probe_io_uring() {
    probe_report report;
    io_uring ring{};
    io_uring_params p{};
    p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    int rc = io_uring_queue_init_params(8, &ring, &p);
    if (rc == 0) {
        report.single_issuer = report.defer_taskrun = true;
    } else if (rc == -EINVAL) {
        io_uring_params q{};
        q.flags = IORING_SETUP_COOP_TASKRUN;
        rc = io_uring_queue_init_params(8, &ring, &q);
        if (rc == 0) report.coop_taskrun = true;
        if (rc == -EINVAL) rc = io_uring_queue_init(8, &ring, 0);
    }
    if (rc < 0) {
        report.problem = explain_setup_failure(-rc);
        return report;
    }
    io_uring_probe* probe = io_uring_get_probe_ring(&ring);
    if (probe == nullptr) {
        report.problem =
            "io_uring works but the kernel cannot list its operations (needs Linux "
            "5.19 or newer).";
        io_uring_queue_exit(&ring);
        return report;
    }
    for (const needed_op& op : needed_ops) {
        if (!io_uring_opcode_supported(probe, op.op)) report.missing_ops.emplace_back(op.name);
    }
    io_uring_free_probe(probe);
    io_uring_queue_exit(&ring);
    if (!report.missing_ops.empty()) {
        report.problem = "io_uring lacks operations Sluice needs:";
        for (const auto& name : report.missing_ops) report.problem += " " + name;
        report.problem += ". Run Sluice on Linux 5.19 or newer.";
        return report;
    }
    report.usable = true;
    return report;
}

}  // namespace sluice::io
