#pragma once
// Plain-text logging to stderr (sluiced runs in the foreground; systemd's journal keeps it).
// One line per call: "<level> <component>: <message>". Thread-safe (one write(2) per line).

namespace sluice::common {

enum class log_level { debug = 0, info = 1, warn = 2, error = 3 };

void set_log_level(log_level level);
log_level current_log_level();

void log(log_level level, const char* component, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

}  // namespace sluice::common

#define SLUICE_LOG(level, component, ...)                                                      \
    do {                                                                                       \
        if (::sluice::common::log_level::level >= ::sluice::common::current_log_level())       \
            ::sluice::common::log(::sluice::common::log_level::level, component, __VA_ARGS__); \
    } while (0)
