#include "common/server/stream_limiter.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace salesteam::server {

absl::Status StreamLimiter::Acquire(absl::string_view subject) {
  absl::MutexLock lock(&mu_);
  int& open = open_[subject];
  if (open >= limit_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("too many open streams: principal ", QuoteInput(subject), " has ", open,
                     " streaming calls open, the limit is ", limit_,
                     " (--max_streams_per_principal); finish one before opening another"));
  }
  ++open;
  return absl::OkStatus();
}

void StreamLimiter::Release(absl::string_view subject) {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(subject);
  if (it == open_.end()) return;
  if (--it->second <= 0) open_.erase(it);
}

int StreamLimiter::Open(absl::string_view subject) const {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(subject);
  return it == open_.end() ? 0 : it->second;
}

}  // namespace salesteam::server
