#include "bounded_output.h"

#include <algorithm>

#include "sluice/common/assert.h"

namespace sluice::compression::detail {

namespace {

// The smallest step, so that tiny outputs do not reallocate byte by byte; beyond it the
// allocation doubles (bounded by the budget), which keeps the copies amortised O(output).
constexpr size_t step_min = 16 * 1024;

size_t budget_for(const std::vector<uint8_t>& out, size_t max_out) {
    const size_t room = out.max_size() - out.size();
    return room == 0 ? 0 : std::min(max_out, room - 1) + 1;
}

}  // namespace

bounded_output::bounded_output(std::vector<uint8_t>& out, size_t max_out, size_t hint)
    : _out(out),
      _base(out.size()),
      _max_out(max_out),
      _budget(budget_for(out, max_out)),
      _hint(hint) {}

std::span<uint8_t> bounded_output::space() {
    if (_produced == _allocated) {
        if (_allocated >= _budget) return {};
        // A hinted size gets one byte more, so that a decoder that fills it exactly still
        // has room to report the end of the stream without another doubling.
        const size_t step = _allocated == 0 ? std::max(_hint == 0 ? 0 : _hint + 1, step_min)
                                            : std::max(_allocated, step_min);
        const size_t target = _allocated + std::min(step, _budget - _allocated);
        // reserve() allocates exactly what it is asked for, unlike resize()'s doubling, so
        // the vector's capacity never passes the budget because of this call.
        if (_base + target > _out.capacity()) _out.reserve(_base + target);
        _out.resize(_base + target);
        _allocated = target;
    }
    return {_out.data() + _base + _produced, _allocated - _produced};
}

std::optional<std::span<uint8_t>> bounded_output::reserve_exact(size_t n) {
    if (_produced > _max_out || n > _max_out - _produced) return std::nullopt;
    const size_t target = _produced + n;
    if (target > _allocated) {
        if (_base + target > _out.capacity()) _out.reserve(_base + target);
        _out.resize(_base + target);
        _allocated = target;
    }
    return std::span<uint8_t>(_out.data() + _base + _produced, n);
}

void bounded_output::commit(size_t n) {
    SLUICE_ASSERT(n <= _allocated - _produced, "committed %zu bytes with %zu of room", n,
                  _allocated - _produced);
    _produced += n;
}

result<size_t> bounded_output::finish() {
    if (over_limit()) return fail(errc::too_large);
    _out.resize(_base + _produced);
    return _produced;
}

common::error_value<errc> bounded_output::fail(errc e) {
    _out.resize(_base);
    return common::fail(e);
}

}  // namespace sluice::compression::detail
