#include "common/server/testing/echo_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/server/server.h"
#include "common/status.h"

namespace salesteam::server::testing {

using salesteam::testing::v1::EchoRequest;
using salesteam::testing::v1::EchoResponse;

grpc::ServerUnaryReactor* EchoServiceImpl::Echo(grpc::CallbackServerContext* context,
                                                const EchoRequest* request,
                                                EchoResponse* response) {
  return Unary(context, [this, request, response](const auth::Principal& caller) {
    bodies_run_.fetch_add(1);
    RETURN_IF_ERROR(Rendezvous());
    if (request->delay_ms() > 0) absl::SleepFor(absl::Milliseconds(request->delay_ms()));
    response->set_message(request->message());
    response->set_principal(caller.subject);
    return absl::OkStatus();
  });
}

void EchoServiceImpl::RendezvousBodies(int n) {
  absl::MutexLock lock(&mu_);
  rendezvous_size_ = n;
  arrived_ = 0;
}

absl::Status EchoServiceImpl::Rendezvous() {
  absl::MutexLock lock(&mu_);
  if (rendezvous_size_ == 0) return absl::OkStatus();
  ++arrived_;
  const int want = rendezvous_size_;
  auto all_here = [this, want]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return arrived_ >= want; };
  if (!mu_.AwaitWithTimeout(absl::Condition(&all_here), absl::Seconds(20))) {
    return absl::DeadlineExceededError(
        absl::StrCat("only ", arrived_, " of ", want, " bodies ran at once"));
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* UnguardedEchoServiceImpl::Echo(grpc::CallbackServerContext* context,
                                                         const EchoRequest* request,
                                                         EchoResponse* response) {
  response->set_message(request->message());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace salesteam::server::testing
