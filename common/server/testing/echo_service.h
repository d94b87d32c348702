// A test implementation of salesteam.testing.v1.EchoService for the server
// tests and the echo_test_server binary. It counts how often a handler body
// actually ran (so that tests can prove a refused call never reached one),
// can fail with a chosen status, can hold bodies until released (to fill the
// handler pool), and serves AdminEcho to admins only.
#ifndef SALESTEAM_COMMON_SERVER_TESTING_ECHO_SERVICE_H_
#define SALESTEAM_COMMON_SERVER_TESTING_ECHO_SERVICE_H_

#include <atomic>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "salesteam/testing/v1/echo.grpc.pb.h"

namespace salesteam::server::testing {

// Answers through server::Unary(): the body runs only for verified callers.
// A request with fail_code set fails with that code and fail_message.
class EchoServiceImpl final : public salesteam::testing::v1::EchoService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const salesteam::testing::v1::EchoRequest* request,
                                 salesteam::testing::v1::EchoResponse* response) override;
  // Like Echo, for role admin only (PERMISSION_DENIED for everyone else).
  grpc::ServerUnaryReactor* AdminEcho(grpc::CallbackServerContext* context,
                                      const salesteam::testing::v1::AdminEchoRequest* request,
                                      salesteam::testing::v1::AdminEchoResponse* response) override;

  // How many times an Echo or AdminEcho body ran.
  int bodies_run() const { return bodies_run_.load(); }
  // How many Echo bodies ran for requests with this message.
  int BodiesRunFor(const std::string& message);

  // From now on each body waits until `n` bodies are running at once (or
  // fails with DEADLINE_EXCEEDED after 20 s), to prove they run in parallel.
  void RendezvousBodies(int n);

  // From now on Echo bodies wait (holding their handler thread) until
  // ReleaseBodies(), or fail with DEADLINE_EXCEEDED after 60 s.
  void HoldBodies();
  void ReleaseBodies();
  // How many bodies are waiting in HoldBodies() now.
  int bodies_held();

  // Whether the server has seen the call with this message cancelled (by
  // its client or its deadline). Only while that call is still in flight:
  // its context is gone once it has finished.
  bool ServerSawCancellation(const std::string& message);

 private:
  absl::Status Rendezvous();
  absl::Status WaitWhileHeld();

  std::atomic<int> bodies_run_{0};
  absl::Mutex mu_;
  std::vector<std::string> messages_run_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, grpc::CallbackServerContext*> contexts_ ABSL_GUARDED_BY(mu_);
  int rendezvous_size_ ABSL_GUARDED_BY(mu_) = 0;
  int arrived_ ABSL_GUARDED_BY(mu_) = 0;
  bool holding_ ABSL_GUARDED_BY(mu_) = false;
  int held_ ABSL_GUARDED_BY(mu_) = 0;
};

// Deliberately skips server::Unary() and answers everyone (with fail_code
// when set), to show that the server's interceptor still refuses
// unauthenticated callers and hides internal errors on any path.
class UnguardedEchoServiceImpl final : public salesteam::testing::v1::EchoService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const salesteam::testing::v1::EchoRequest* request,
                                 salesteam::testing::v1::EchoResponse* response) override;
};

}  // namespace salesteam::server::testing

#endif  // SALESTEAM_COMMON_SERVER_TESTING_ECHO_SERVICE_H_
