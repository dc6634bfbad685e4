#pragma once
// Always-on assertions: a broken invariant logs file, line and message, then aborts
// (redpanda's vassert, TigerBeetle's assertion density). Never compiled out.

namespace sluice::common {
[[noreturn]] void assert_failed(const char* expr, const char* file, int line, const char* fmt, ...)
    __attribute__((format(printf, 4, 5)));
}  // namespace sluice::common

#define SLUICE_ASSERT(cond, ...)                                                     \
    do {                                                                             \
        if (__builtin_expect(!(cond), 0)) {                                          \
            ::sluice::common::assert_failed(#cond, __FILE__, __LINE__, __VA_ARGS__); \
        }                                                                            \
    } while (0)
