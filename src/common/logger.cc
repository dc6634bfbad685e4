#include "sluice/common/logger.h"

#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>

namespace sluice::common {

namespace {
std::atomic<int> g_level{static_cast<int>(log_level::info)};
const char* level_name(log_level l) {
    switch (l) {
        case log_level::debug:
            return "DEBUG";
        case log_level::info:
            return "INFO";
        case log_level::warn:
            return "WARN";
        case log_level::error:
            return "ERROR";
    }
    return "?";
}
}  // namespace

void set_log_level(log_level level) {
    g_level.store(static_cast<int>(level));
}
log_level current_log_level() {
    return static_cast<log_level>(g_level.load());
}

void log(log_level level, const char* component, const char* fmt, ...) {
    char line[2048];
    int n = std::snprintf(line, sizeof line, "%s %s: ", level_name(level), component);
    if (n < 0) return;
    va_list ap;
    va_start(ap, fmt);
    int m = std::vsnprintf(line + n, sizeof line - static_cast<size_t>(n) - 1, fmt, ap);
    va_end(ap);
    size_t len = static_cast<size_t>(n) + (m < 0 ? 0 : static_cast<size_t>(m));
    if (len > sizeof line - 2) len = sizeof line - 2;
    line[len++] = '\n';
    ssize_t ignored = ::write(STDERR_FILENO, line, len);
    (void)ignored;
}

}  // namespace sluice::common
