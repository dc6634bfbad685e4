#pragma once
// sluice-perf's one entry point below the command line: run `o` and return the exit code
// (0 done, 1 failed, 2 bad options).

#include "options.h"

namespace sluice::perf {

int run(const perf_options& o);

}  // namespace sluice::perf
