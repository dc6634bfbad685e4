#pragma once
// result<T, E>: a value or an error code, for expected failures (STYLE.md "Errors").
// Each module has one closed `errc` enum and an alias `template <class T> using
// result = common::result<T, errc>;`. No exceptions on the data path.

#include <utility>
#include <variant>

#include "sluice/common/assert.h"

namespace sluice::common {

template <class E>
struct error_value {
    E code;
};

/// Wrap an error code so that it converts to any result<T, E>.
template <class E>
[[nodiscard]] constexpr error_value<E> fail(E code) {
    return {code};
}

template <class T, class E>
class [[nodiscard]] result {
  public:
    result(T value) : _v(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    result(error_value<E> e) : _v(std::in_place_index<1>, e.code) {}   // NOLINT

    bool has_value() const { return _v.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & {
        SLUICE_ASSERT(has_value(), "result holds an error");
        return std::get<0>(_v);
    }
    const T& value() const& {
        SLUICE_ASSERT(has_value(), "result holds an error");
        return std::get<0>(_v);
    }
    T&& value() && {
        SLUICE_ASSERT(has_value(), "result holds an error");
        return std::get<0>(std::move(_v));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() { return value(); }

    E error() const {
        SLUICE_ASSERT(!has_value(), "result holds a value");
        return std::get<1>(_v);
    }

  private:
    std::variant<T, E> _v;
};

/// result<void, E>: success or an error code.
template <class E>
class [[nodiscard]] result<void, E> {
  public:
    result() = default;
    result(error_value<E> e) : _failed(true), _code(e.code) {}  // NOLINT

    bool has_value() const { return !_failed; }
    explicit operator bool() const { return has_value(); }
    E error() const {
        SLUICE_ASSERT(_failed, "result holds no error");
        return _code;
    }

  private:
    bool _failed = false;
    E _code{};
};

}  // namespace sluice::common
