// Server-wide slots for the messages that streaming handlers read, so that
// the memory all streams together hold in parsed requests is bounded however
// many streams are open: a reactor takes a slot before StartRead() and gives
// it back once it has finished with the message (e.g. recorded the batch).
// Slots are granted in the order they were asked for. See "Streams and
// memory" in server.h.
//
//   if (slots.Acquire(&ticket, [this] { OnSlot(); })) StartRead(...);
//   // else OnSlot() runs later, on a handler thread, once a slot is free
//   ...
//   slots.Release(1);  // the batch is recorded
#ifndef SALESTEAM_COMMON_SERVER_READ_SLOTS_H_
#define SALESTEAM_COMMON_SERVER_READ_SLOTS_H_

#include <cstdint>
#include <deque>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace salesteam::server {

class ReadSlots {
 public:
  using Granted = absl::AnyInvocable<void() &&>;
  // Runs a granted request's callback; the server's runs it on the handler
  // pool, never on the thread that released the slot, which may hold the
  // lock of another reactor.
  using Runner = absl::AnyInvocable<void(Granted)>;

  ReadSlots(int slots, Runner runner) : free_(slots), total_(slots), runner_(std::move(runner)) {}

  ReadSlots(const ReadSlots&) = delete;
  ReadSlots& operator=(const ReadSlots&) = delete;

  // True when a slot was free and is now the caller's (`granted` is dropped).
  // Otherwise the request waits, `*ticket` names it for Cancel(), and
  // `granted` runs once a slot is the caller's.
  bool Acquire(uint64_t* ticket, Granted granted);
  // Withdraws a waiting request: true when it was still waiting (its
  // callback will never run), false when its slot was granted already (its
  // callback runs or has run, and the slot is the caller's).
  bool Cancel(uint64_t ticket);
  // Gives back `n` slots.
  void Release(int n);

  int total() const { return total_; }
  int InUse() const;
  int Waiting() const;

 private:
  struct Waiter {
    uint64_t ticket;
    Granted granted;
  };
  mutable absl::Mutex mu_;
  int free_ ABSL_GUARDED_BY(mu_);
  const int total_;
  uint64_t next_ticket_ ABSL_GUARDED_BY(mu_) = 1;
  std::deque<Waiter> waiting_ ABSL_GUARDED_BY(mu_);
  Runner runner_;
};

}  // namespace salesteam::server

#endif  // SALESTEAM_COMMON_SERVER_READ_SLOTS_H_
