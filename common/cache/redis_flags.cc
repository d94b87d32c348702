#include "common/cache/redis_flags.h"

#include <string>

#include "absl/flags/flag.h"
#include "absl/time/time.h"

ABSL_FLAG(std::string, redis_address, "127.0.0.1:6379", "Redis host:port (cache, leaderboards)");
ABSL_FLAG(std::string, redis_password, "", "Redis AUTH password; empty sends none");
ABSL_FLAG(int, redis_db, 0, "Redis database number (SELECT)");
ABSL_FLAG(int, redis_max_connections, 8, "most Redis connections open at once");
ABSL_FLAG(absl::Duration, redis_connect_timeout, absl::Milliseconds(200),
          "bound on establishing one Redis connection");
ABSL_FLAG(absl::Duration, redis_command_timeout, absl::Milliseconds(250),
          "Redis call timeout for calls that set none");
ABSL_FLAG(int, redis_failure_threshold, 5,
          "consecutive Redis transport failures that make calls fail fast");

namespace salesteam::cache {

RedisCacheOptions RedisCacheOptionsFromFlags() {
  RedisCacheOptions options;
  options.address = absl::GetFlag(FLAGS_redis_address);
  options.password = absl::GetFlag(FLAGS_redis_password);
  options.db = absl::GetFlag(FLAGS_redis_db);
  options.max_connections = absl::GetFlag(FLAGS_redis_max_connections);
  options.connect_timeout = absl::GetFlag(FLAGS_redis_connect_timeout);
  options.command_timeout = absl::GetFlag(FLAGS_redis_command_timeout);
  options.failure_threshold = absl::GetFlag(FLAGS_redis_failure_threshold);
  return options;
}

}  // namespace salesteam::cache
