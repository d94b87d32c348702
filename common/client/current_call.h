// The server call a thread is working for, so that a call to a peer service
// made anywhere below a handler (a store, a directory, an ingest pipeline)
// carries that call's deadline and cancellation without every layer passing
// the context down. common/server sets it around each handler body; peer
// clients read it (see peer_channel.h).
#ifndef SALESTEAM_COMMON_CLIENT_CURRENT_CALL_H_
#define SALESTEAM_COMMON_CLIENT_CURRENT_CALL_H_

namespace grpc {
class CallbackServerContext;
}  // namespace grpc

namespace salesteam::client {

// The call this thread works for, or null (a background thread, a tool).
const grpc::CallbackServerContext* CurrentCall();

// Makes `call` the current call of this thread for the scope's lifetime
// (scopes nest: the previous one is restored).
class ScopedCurrentCall {
 public:
  explicit ScopedCurrentCall(const grpc::CallbackServerContext* call);
  ~ScopedCurrentCall();
  ScopedCurrentCall(const ScopedCurrentCall&) = delete;
  ScopedCurrentCall& operator=(const ScopedCurrentCall&) = delete;

 private:
  const grpc::CallbackServerContext* previous_;
};

}  // namespace salesteam::client

#endif  // SALESTEAM_COMMON_CLIENT_CURRENT_CALL_H_
