// What every salesctl command shares: where the services are, how to reach
// them (plain or TLS), which token calls carry, and how results are printed
// (human-readable by default, --json for scripts).
//
// Shared flags (each also read from SALESTEAM_<FLAG>):
//   --roster_address, --activity_address, --sprint_address,
//   --compensation_address   host:port of each service (defaults: 127.0.0.1
//                            on 50051..50054)
//   --tls, --ca_cert, --client_cert, --client_key, --tls_server_name
//   --token                  bearer token for calls (SALESTEAM_TOKEN)
//   --timeout                deadline of each call
//   --json                   machine-readable output
#ifndef SALESTEAM_TOOLS_SALESCTL_CLIENT_H_
#define SALESTEAM_TOOLS_SALESCTL_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"

ABSL_DECLARE_FLAG(bool, json);
ABSL_DECLARE_FLAG(absl::Duration, timeout);

namespace salesteam::salesctl {

// One of the suite's services as salesctl sees it.
struct Endpoint {
  std::string name;          // "roster"
  std::string grpc_service;  // "salesteam.roster.v1.RosterService", its health name
  std::string address;       // from --roster_address
};

// roster, activity, sprint, compensation, in that order.
std::vector<Endpoint> AllEndpoints();

// The endpoint called `name`; NOT_FOUND naming the known ones otherwise.
absl::StatusOr<Endpoint> FindEndpoint(absl::string_view name);

// A channel to `address`: plaintext, or TLS with --tls (server verified
// against --ca_cert, else the system roots; a client certificate with
// --client_cert/--client_key for mutual TLS). Fails when a file is unreadable.
absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const std::string& address);

// The token calls carry: --token (or SALESTEAM_TOKEN) when given; otherwise a
// 15-minute admin token, subject "salesctl", minted with the local secret
// (LoadJwtSecret), which is the convenient thing on the machine that runs
// the suite and useless anywhere the secret differs.
absl::StatusOr<std::string> CallToken();

// Sets the --timeout deadline and the bearer token on `context`.
absl::Status PrepareCall(grpc::ClientContext& context);

// Prints `message` as one line of JSON (proto3 JSON mapping) on stdout.
void PrintJson(const google::protobuf::Message& message);

// Prints "salesctl: <status>" on stderr and returns kExitFailed.
int Fail(const absl::Status& status);

}  // namespace salesteam::salesctl

#endif  // SALESTEAM_TOOLS_SALESCTL_CLIENT_H_
