// A client for the standard gRPC health protocol (grpc.health.v1.Health/Check)
// without the generated health stubs, which Debian's libgrpc++-dev does not
// ship: the two tiny messages are encoded by hand in protobuf wire format and
// sent through a generic stub. salesctl's `health` command, the server tests
// and any tool that needs to ask a Salesteam server whether it serves use it.
#ifndef SALESTEAM_COMMON_SERVER_HEALTH_CLIENT_H_
#define SALESTEAM_COMMON_SERVER_HEALTH_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace salesteam::server {

// grpc.health.v1.HealthCheckResponse.ServingStatus, same numbering.
enum class ServingStatus { kUnknown = 0, kServing = 1, kNotServing = 2, kServiceUnknown = 3 };

// "UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN".
absl::string_view ServingStatusName(ServingStatus status);

// The wire form of HealthCheckRequest{service} and the status inside a
// HealthCheckResponse; exposed for tests.
std::string EncodeHealthCheckRequest(absl::string_view service);
absl::StatusOr<ServingStatus> DecodeHealthCheckResponse(absl::string_view bytes);

// Asks the server behind `channel` for the status of `service` ("" for the
// server as a whole), waiting at most `timeout`. The status is the call's:
// UNAVAILABLE when nothing listens, DEADLINE_EXCEEDED when nothing answered in
// time, NOT_FOUND when the server does not know `service`, UNIMPLEMENTED when
// the server has no health service.
absl::StatusOr<ServingStatus> CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                          absl::string_view service, absl::Duration timeout);

}  // namespace salesteam::server

#endif  // SALESTEAM_COMMON_SERVER_HEALTH_CLIENT_H_
