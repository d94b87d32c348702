// A test implementation of salesteam.testing.v1.EchoService for the server
// tests and the echo_test_server binary. It counts how often a handler body
// actually ran, so that tests can prove an unauthenticated call never reached
// one.
#ifndef SALESTEAM_COMMON_SERVER_TESTING_ECHO_SERVICE_H_
#define SALESTEAM_COMMON_SERVER_TESTING_ECHO_SERVICE_H_

#include <atomic>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

#include "salesteam/testing/v1/echo.grpc.pb.h"

namespace salesteam::server::testing {

// Answers through server::Unary(): the body runs only for verified callers.
class EchoServiceImpl final : public salesteam::testing::v1::EchoService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const salesteam::testing::v1::EchoRequest* request,
                                 salesteam::testing::v1::EchoResponse* response) override;

  // How many times the Echo body ran.
  int bodies_run() const { return bodies_run_.load(); }

  // From now on each body waits until `n` bodies are running at once (or
  // fails with DEADLINE_EXCEEDED after 20 s), to prove they run in parallel.
  void RendezvousBodies(int n);

 private:
  absl::Status Rendezvous();

  std::atomic<int> bodies_run_{0};
  absl::Mutex mu_;
  int rendezvous_size_ ABSL_GUARDED_BY(mu_) = 0;
  int arrived_ ABSL_GUARDED_BY(mu_) = 0;
};

// Deliberately skips server::Unary() and answers OK to everyone, to show
// that the server's interceptor still refuses unauthenticated callers.
class UnguardedEchoServiceImpl final : public salesteam::testing::v1::EchoService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const salesteam::testing::v1::EchoRequest* request,
                                 salesteam::testing::v1::EchoResponse* response) override;
};

}  // namespace salesteam::server::testing

#endif  // SALESTEAM_COMMON_SERVER_TESTING_ECHO_SERVICE_H_
