#include "common/client/current_call.h"

namespace salesteam::client {
namespace {

thread_local const grpc::CallbackServerContext* current_call = nullptr;

}  // namespace

const grpc::CallbackServerContext* CurrentCall() { return current_call; }

ScopedCurrentCall::ScopedCurrentCall(const grpc::CallbackServerContext* call)
    : previous_(current_call) {
  current_call = call;
}

ScopedCurrentCall::~ScopedCurrentCall() { current_call = previous_; }

}  // namespace salesteam::client
