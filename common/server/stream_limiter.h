// Counts the streaming calls each identity (token subject) has open on a
// server, and refuses one beyond the limit, so that a single client cannot
// hold the server's stream memory and write capacity for everyone: see
// "Streams and memory" in server.h. The server's call interceptor acquires a
// slot when a verified caller opens a stream and releases it when the call
// ends.
#ifndef SALESTEAM_COMMON_SERVER_STREAM_LIMITER_H_
#define SALESTEAM_COMMON_SERVER_STREAM_LIMITER_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace salesteam::server {

class StreamLimiter {
 public:
  // `limit`: streams one subject may have open at once (positive).
  explicit StreamLimiter(int limit) : limit_(limit) {}

  StreamLimiter(const StreamLimiter&) = delete;
  StreamLimiter& operator=(const StreamLimiter&) = delete;

  // Counts one more stream of `subject`, or RESOURCE_EXHAUSTED naming the
  // limit (and counts nothing) when it has `limit` open already.
  absl::Status Acquire(absl::string_view subject);
  // Ends one stream that Acquire() counted.
  void Release(absl::string_view subject);

  // Streams `subject` has open now.
  int Open(absl::string_view subject) const;
  int limit() const { return limit_; }

 private:
  const int limit_;
  mutable absl::Mutex mu_;
  // Only subjects with open streams: the map cannot grow with every token
  // ever seen.
  absl::flat_hash_map<std::string, int> open_ ABSL_GUARDED_BY(mu_);
};

}  // namespace salesteam::server

#endif  // SALESTEAM_COMMON_SERVER_STREAM_LIMITER_H_
