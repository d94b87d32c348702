#include "common/server/read_slots.h"

#include <vector>

namespace salesteam::server {

bool ReadSlots::Acquire(uint64_t* ticket, Granted granted) {
  absl::MutexLock lock(&mu_);
  // Those already waiting go first, or a busy stream could starve them.
  if (free_ > 0 && waiting_.empty()) {
    --free_;
    return true;
  }
  *ticket = next_ticket_++;
  waiting_.push_back({*ticket, std::move(granted)});
  return false;
}

bool ReadSlots::Cancel(uint64_t ticket) {
  absl::MutexLock lock(&mu_);
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
    if (it->ticket == ticket) {
      waiting_.erase(it);
      return true;
    }
  }
  return false;
}

void ReadSlots::Release(int n) {
  std::vector<Granted> granted;
  {
    absl::MutexLock lock(&mu_);
    free_ += n;
    while (free_ > 0 && !waiting_.empty()) {
      --free_;
      granted.push_back(std::move(waiting_.front().granted));
      waiting_.pop_front();
    }
  }
  for (Granted& g : granted) runner_(std::move(g));
}

int ReadSlots::InUse() const {
  absl::MutexLock lock(&mu_);
  return total_ - free_;
}

int ReadSlots::Waiting() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(waiting_.size());
}

}  // namespace salesteam::server
