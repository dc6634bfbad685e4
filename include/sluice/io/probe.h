#pragma once
// Startup check that io_uring is usable here, with a plain explanation when it is not
// (TigerBeetle's io/linux.zig init and Iggy's diagnostics do the same): containers often
// block io_uring with seccomp, sysctl kernel.io_uring_disabled can turn it off, and old
// kernels lock ring memory against RLIMIT_MEMLOCK.

#include <string>
#include <vector>

namespace sluice::io {

struct probe_report {
    bool usable = false;
    /// When !usable: what failed and what to do about it, ready to print.
    std::string problem;
    /// Ring setup flags this kernel accepted (for the startup log).
    bool single_issuer = false;
    bool defer_taskrun = false;
    bool coop_taskrun = false;
    /// Opcodes Sluice needs that the kernel lacks (empty when usable).
    std::vector<std::string> missing_ops;
};

/// Creates a small ring, checks the setup flags and the opcodes Sluice uses, and explains
/// any failure. Cheap; run once at startup.
probe_report probe_io_uring();

}  // namespace sluice::io
