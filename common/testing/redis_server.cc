#include "common/testing/redis_server.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/testing/test_env.h"

namespace salesteam::testing {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(20);

// True when a server on `port` answers PING.
bool Pings(int port) {
  redisContext* ctx = redisConnectWithTimeout("127.0.0.1", port, timeval{0, 200 * 1000});
  if (ctx == nullptr) return false;
  bool ok = false;
  if (ctx->err == 0) {
    auto* reply = static_cast<redisReply*>(redisCommand(ctx, "PING"));
    ok = reply != nullptr && reply->type == REDIS_REPLY_STATUS;
    if (reply != nullptr) freeReplyObject(reply);
  }
  redisFree(ctx);
  return ok;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start() {
  std::string dir = MakeTempDir("salesteam-redis");
  if (dir.empty()) return absl::InternalError("redis-server: cannot create a temp folder");
  auto server = std::unique_ptr<RedisServer>(new RedisServer(0, std::move(dir)));
  // PickUnusedPort's port can be taken by someone else before redis binds it;
  // try a few ports before giving up.
  absl::Status spawned;
  for (int attempt = 0; attempt < 5; ++attempt) {
    server->port_ = PickUnusedPort();
    if (server->port_ == 0) return absl::InternalError("redis-server: no free port");
    spawned = server->Spawn();
    if (spawned.ok()) return server;
  }
  return spawned;
}

RedisServer::RedisServer(int port, std::string dir) : port_(port), dir_(std::move(dir)) {}

RedisServer::~RedisServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::string RedisServer::address() const { return absl::StrCat("127.0.0.1:", port_); }

absl::Status RedisServer::Spawn() {
  const std::string port = absl::StrCat(port_);
  const std::string log = dir_ + "/redis.log";
  // Everything the child needs is built before fork: after fork in a
  // threaded process only async-signal-safe calls are allowed.
  std::vector<std::string> args = {"redis-server", "--port",    port,     "--save",      "",
                                   "--appendonly", "no",        "--bind", "127.0.0.1",   "--dir",
                                   dir_,           "--logfile", log,      "--daemonize", "no"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) return absl::InternalError("redis-server: fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    const int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, STDIN_FILENO);
      ::dup2(devnull, STDOUT_FILENO);
    }
    ::execvp("redis-server", argv.data());
    ::_exit(127);
  }
  pid_ = pid;

  const absl::Time deadline = absl::Now() + kStartTimeout;
  while (absl::Now() < deadline) {
    int wstatus = 0;
    if (::waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::InternalError(
          absl::StrCat("redis-server on port ", port_, " exited during start-up; see ", log));
    }
    if (Pings(port_)) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  return absl::DeadlineExceededError(
      absl::StrCat("redis-server on port ", port_, " did not answer PING in time"));
}

absl::Status RedisServer::Kill() {
  if (pid_ <= 0) return absl::FailedPreconditionError("redis-server is not running");
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  return absl::OkStatus();
}

absl::Status RedisServer::Restart() {
  if (pid_ > 0) {
    if (absl::Status killed = Kill(); !killed.ok()) return killed;
  }
  return Spawn();
}

absl::Status RedisServer::Freeze() {
  if (pid_ <= 0) return absl::FailedPreconditionError("redis-server is not running");
  if (::kill(pid_, SIGSTOP) != 0) return absl::InternalError("redis-server: SIGSTOP failed");
  return absl::OkStatus();
}

absl::Status RedisServer::Thaw() {
  if (pid_ <= 0) return absl::FailedPreconditionError("redis-server is not running");
  if (::kill(pid_, SIGCONT) != 0) return absl::InternalError("redis-server: SIGCONT failed");
  return absl::OkStatus();
}

}  // namespace salesteam::testing
