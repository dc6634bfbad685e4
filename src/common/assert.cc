#include "sluice/common/assert.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

namespace sluice::common {

void assert_failed(const char* expr, const char* file, int line, const char* fmt, ...) {
    std::fprintf(stderr, "sluice: assertion failed at %s:%d: %s: ", file, line, expr);
    va_list ap;
    va_start(ap, fmt);
    std::vfprintf(stderr, fmt, ap);
    va_end(ap);
    std::fputc('\n', stderr);
    std::fflush(stderr);
    std::abort();
}

}  // namespace sluice::common
