// A private redis-server for tests that must break Redis on purpose (kill
// it, freeze it, restart it) without disturbing the shared test server that
// SALESTEAM_TEST_REDIS points at. It runs `redis-server --port <free port>
// --save '' --appendonly no --bind 127.0.0.1` in a fresh folder, waits until
// it answers PING, and stops it when the object goes away. The child gets
// SIGKILL if the test process dies, so no server outlives its test.
#ifndef SALESTEAM_COMMON_TESTING_REDIS_SERVER_H_
#define SALESTEAM_COMMON_TESTING_REDIS_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace salesteam::testing {

class RedisServer {
 public:
  // Starts a server on a port nothing listens on and waits for its PING.
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start();

  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // "127.0.0.1:<port>".
  std::string address() const;
  int port() const { return port_; }
  bool running() const { return pid_ > 0; }

  // SIGKILL: the server vanishes at once, as in a crash or OOM kill; its
  // connections are reset and new ones are refused. Its data is gone.
  absl::Status Kill();
  // Starts the server again on the same port (empty) and waits for its PING.
  absl::Status Restart();
  // SIGSTOP / SIGCONT: the server accepts TCP connections (the kernel does)
  // but answers nothing, like a hung or swapping Redis.
  absl::Status Freeze();
  absl::Status Thaw();

 private:
  RedisServer(int port, std::string dir);
  absl::Status Spawn();

  int port_;  // Fixed once started: Restart() reuses it.
  const std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace salesteam::testing

#endif  // SALESTEAM_COMMON_TESTING_REDIS_SERVER_H_
