// The command-line flags that configure a service's RedisCache, defined once
// here so every service spells them the same way (and gets the matching
// SALESTEAM_REDIS_* environment overrides from ParseFlagsWithEnv):
//   --redis_address           host:port               (127.0.0.1:6379)
//   --redis_password          AUTH password           (none)
//   --redis_db                SELECT database         (0)
//   --redis_max_connections   pool bound              (8)
//   --redis_connect_timeout   per TCP connect         (200ms)
//   --redis_command_timeout   default call timeout    (250ms)
//   --redis_failure_threshold failures that open the circuit (5)
// A binary that calls RedisCacheOptionsFromFlags links these flags in.
#ifndef SALESTEAM_COMMON_CACHE_REDIS_FLAGS_H_
#define SALESTEAM_COMMON_CACHE_REDIS_FLAGS_H_

#include "common/cache/redis_cache.h"

namespace salesteam::cache {

// RedisCacheOptions from the flags above (after ParseFlagsWithEnv).
RedisCacheOptions RedisCacheOptionsFromFlags();

}  // namespace salesteam::cache

#endif  // SALESTEAM_COMMON_CACHE_REDIS_FLAGS_H_
