// One way for every service to define its unary RPCs: the gRPC layer is a
// line per method, and the logic lives in a plain "core" class whose method
// of the same name takes the verified caller, the request and the response:
//
//   // roster_service.h
//   class RosterServiceImpl final : public v1::RosterService::CallbackService {
//     grpc::ServerUnaryReactor* GetTeam(grpc::CallbackServerContext*,
//                                       const v1::GetTeamRequest*,
//                                       v1::GetTeamResponse*) override;
//     ...
//     std::unique_ptr<RosterCore> core_;
//   };
//
//   // roster_service.cc, in namespace salesteam::roster (so `v1` names the
//   // proto package):
//   absl::Status RosterCore::GetTeam(const auth::Principal& caller,
//                                    const v1::GetTeamRequest& request,
//                                    v1::GetTeamResponse& response);
//   SALESTEAM_UNARY_HANDLER(RosterServiceImpl, GetTeam)
//
// The body runs through server::Unary (server.h): on the handler pool, only
// for an authenticated caller, with the call's deadline and cancellation
// passed on to peer calls, and its status converted once at the edge. An RPC
// that writes the database uses SALESTEAM_UNARY_WRITE_HANDLER instead: its
// body runs on the write pool through server::UnaryWrite, so that reads never
// wait behind the writer and excess writes are shed with a retry hint.
#ifndef SALESTEAM_COMMON_SERVER_HANDLER_H_
#define SALESTEAM_COMMON_SERVER_HANDLER_H_

#include "common/auth/auth.h"
#include "common/server/server.h"

#define SALESTEAM_UNARY_HANDLER(ServiceImpl, Method) \
  SALESTEAM_INTERNAL_UNARY_HANDLER(ServiceImpl, Method, Unary)
#define SALESTEAM_UNARY_WRITE_HANDLER(ServiceImpl, Method) \
  SALESTEAM_INTERNAL_UNARY_HANDLER(ServiceImpl, Method, UnaryWrite)

#define SALESTEAM_INTERNAL_UNARY_HANDLER(ServiceImpl, Method, Run)                             \
  grpc::ServerUnaryReactor* ServiceImpl::Method(grpc::CallbackServerContext* context,          \
                                                const v1::Method##Request* request,            \
                                                v1::Method##Response* response) {              \
    return ::salesteam::server::Run(context, [core = core_.get(), request, response](          \
                                                 const ::salesteam::auth::Principal& caller) { \
      return core->Method(caller, *request, *response);                                        \
    });                                                                                        \
  }

#endif  // SALESTEAM_COMMON_SERVER_HANDLER_H_
