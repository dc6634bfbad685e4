#pragma once
// completion: the caller-owned record of one in-flight io_uring operation.
//
// The caller embeds or owns a completion and passes its address to a reactor operation;
// the reactor stores that address as the SQE's user_data, so submitting allocates nothing.
// complete() runs on the reactor's thread when the CQE is reaped. The completion must stay
// alive, and must not be reused, until complete() has been called (even after cancel()).

#include <cstdint>
#include <utility>

namespace sluice::io {

class completion {
  public:
    completion() = default;
    completion(const completion&) = delete;
    completion& operator=(const completion&) = delete;
    virtual ~completion() = default;

    /// `res` is the CQE result: >= 0 on success (bytes, fd...), -errno on failure.
    /// `flags` are the CQE flags (buffer id for provided-buffer receives, F_MORE...).
    virtual void complete(int32_t res, uint32_t flags) = 0;

    /// True between submission and the call to complete().
    bool in_flight() const { return _in_flight; }

  private:
    friend class reactor;
    bool _in_flight = false;
};

/// A completion that forwards to a callable; handy for tests and one-off operations.
template <class F>
class callback_completion final : public completion {
  public:
    explicit callback_completion(F f) : _f(std::move(f)) {}
    void complete(int32_t res, uint32_t flags) override { _f(res, flags); }

  private:
    F _f;
};

/// A task queued to run on the reactor thread at the end of the current loop turn, before
/// the next submission (used to coalesce work that arrives in one turn: group commit).
class task {
  public:
    task() = default;
    task(const task&) = delete;
    task& operator=(const task&) = delete;
    virtual ~task() = default;
    virtual void run() = 0;
    bool queued() const { return _queued; }

  private:
    friend class reactor;
    task* _next = nullptr;
    bool _queued = false;
};

}  // namespace sluice::io
