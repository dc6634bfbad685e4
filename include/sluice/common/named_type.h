#pragma once
// Strong types for values that are easy to mix up (redpanda's named_type): a logical
// `offset` is not a byte `file_pos`. Comparable, hashable, explicit to construct.

#include <compare>
#include <cstdint>
#include <functional>

namespace sluice::common {

template <class T, class Tag>
class named_type {
  public:
    using value_type = T;
    constexpr named_type() = default;
    constexpr explicit named_type(T v) : _v(v) {}
    constexpr T operator()() const { return _v; }
    constexpr T value() const { return _v; }
    constexpr auto operator<=>(const named_type&) const = default;

  private:
    T _v{};
};

}  // namespace sluice::common

template <class T, class Tag>
struct std::hash<sluice::common::named_type<T, Tag>> {
    size_t operator()(const sluice::common::named_type<T, Tag>& v) const {
        return std::hash<T>{}(v());
    }
};
