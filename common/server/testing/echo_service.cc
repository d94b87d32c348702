#include "common/server/testing/echo_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/auth.h"
#include "common/server/server.h"
#include "common/status.h"

namespace salesteam::server::testing {

using salesteam::testing::v1::AdminEchoRequest;
using salesteam::testing::v1::AdminEchoResponse;
using salesteam::testing::v1::EchoRequest;
using salesteam::testing::v1::EchoResponse;

namespace {

// The failure a request asks for, OK when none.
absl::Status RequestedFailure(const EchoRequest& request) {
  return absl::Status(static_cast<absl::StatusCode>(request.fail_code()), request.fail_message());
}

}  // namespace

grpc::ServerUnaryReactor* EchoServiceImpl::Echo(grpc::CallbackServerContext* context,
                                                const EchoRequest* request,
                                                EchoResponse* response) {
  {
    absl::MutexLock lock(&mu_);
    contexts_[request->message()] = context;
  }
  return Unary(context, [this, request, response](const auth::Principal& caller) {
    bodies_run_.fetch_add(1);
    {
      absl::MutexLock lock(&mu_);
      messages_run_.push_back(request->message());
    }
    RETURN_IF_ERROR(Rendezvous());
    RETURN_IF_ERROR(WaitWhileHeld());
    if (request->delay_ms() > 0) absl::SleepFor(absl::Milliseconds(request->delay_ms()));
    RETURN_IF_ERROR(RequestedFailure(*request));
    response->set_message(request->message());
    response->set_principal(caller.subject);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* EchoServiceImpl::AdminEcho(grpc::CallbackServerContext* context,
                                                     const AdminEchoRequest* request,
                                                     AdminEchoResponse* response) {
  return Unary(context, [this, request, response](const auth::Principal& caller) {
    bodies_run_.fetch_add(1);
    RETURN_IF_ERROR(auth::CheckRole(caller, {auth::Role::kAdmin}));
    response->set_message(request->message());
    response->set_principal(caller.subject);
    return absl::OkStatus();
  });
}

int EchoServiceImpl::BodiesRunFor(const std::string& message) {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(std::count(messages_run_.begin(), messages_run_.end(), message));
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

bool EchoServiceImpl::ServerSawCancellation(const std::string& message) {
  absl::MutexLock lock(&mu_);
  auto it = contexts_.find(message);
  return it != contexts_.end() && it->second->IsCancelled();
}

void EchoServiceImpl::HoldBodies() {
  absl::MutexLock lock(&mu_);
  holding_ = true;
}

void EchoServiceImpl::ReleaseBodies() {
  absl::MutexLock lock(&mu_);
  holding_ = false;
}

int EchoServiceImpl::bodies_held() {
  absl::MutexLock lock(&mu_);
  return held_;
}

absl::Status EchoServiceImpl::WaitWhileHeld() {
  absl::MutexLock lock(&mu_);
  if (!holding_) return absl::OkStatus();
  ++held_;
  auto released = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !holding_; };
  const bool ok = mu_.AwaitWithTimeout(absl::Condition(&released), absl::Seconds(60));
  --held_;
  if (!ok) return absl::DeadlineExceededError("held body was never released");
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* UnguardedEchoServiceImpl::Echo(grpc::CallbackServerContext* context,
                                                         const EchoRequest* request,
                                                         EchoResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const absl::Status failure = RequestedFailure(*request);
  if (!failure.ok()) {
    reactor->Finish(ToGrpcStatus(failure));
    return reactor;
  }
  response->set_message(request->message());
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace salesteam::server::testing
