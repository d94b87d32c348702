// `salesctl health`: asks every service (or the ones named) for its
// grpc.health.v1 status, all at once with a short deadline, and prints one
// line per service:
//   roster        127.0.0.1:50051  SERVING
//   activity      127.0.0.1:50052  UNAVAILABLE (connection refused)
// Exit code 0 when at least one service answered and every service that
// answered is SERVING: a machine may run only some of the suite, so a service
// that is not running does not fail the check, but a running one that does
// not serve does. Services named on the command line must all be SERVING.
// Health is open, so no token is sent.
#include <algorithm>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/struct.pb.h"

#include "common/server/health_client.h"
#include "tools/salesctl/client.h"
#include "tools/salesctl/commands.h"

ABSL_FLAG(absl::Duration, health_timeout, absl::Seconds(2),
          "health: how long to wait for each service's answer");

namespace salesteam::salesctl {
namespace {

using server::CheckHealth;
using server::ServingStatus;
using server::ServingStatusName;

struct Outcome {
  Endpoint endpoint;
  bool reachable = false;
  bool serving = false;
  std::string status;         // SERVING, NOT_SERVING, UNAVAILABLE, ...
  std::string detail;         // why, when not SERVING
  std::string server_status;  // the server as a whole (""), when reachable
};

std::string Describe(const absl::StatusOr<ServingStatus>& result) {
  if (result.ok()) return std::string(ServingStatusName(*result));
  return absl::StatusCodeToString(result.status().code());
}

Outcome Check(const Endpoint& endpoint, absl::Duration timeout) {
  Outcome outcome;
  outcome.endpoint = endpoint;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(endpoint.address);
  if (!channel.ok()) {
    outcome.status = "ERROR";
    outcome.detail = std::string(channel.status().message());
    return outcome;
  }
  absl::StatusOr<ServingStatus> result = CheckHealth(*channel, endpoint.grpc_service, timeout);
  if (result.ok()) {
    outcome.reachable = true;
    outcome.serving = *result == ServingStatus::kServing;
    outcome.status = std::string(ServingStatusName(*result));
  } else {
    const absl::Status& error = result.status();
    switch (error.code()) {
      case absl::StatusCode::kUnavailable:
        outcome.status = "UNAVAILABLE";
        outcome.detail =
            absl::StrContains(absl::AsciiStrToLower(error.message()), "connection refused")
                ? "connection refused"
                : std::string(error.message());
        break;
      case absl::StatusCode::kDeadlineExceeded:
        outcome.status = "UNAVAILABLE";
        outcome.detail = absl::StrCat("no answer within ", absl::FormatDuration(timeout));
        break;
      case absl::StatusCode::kNotFound:
        outcome.reachable = true;
        outcome.status = "SERVICE_UNKNOWN";
        outcome.detail = absl::StrCat("the server there does not serve ", endpoint.grpc_service);
        break;
      case absl::StatusCode::kUnimplemented:
        outcome.reachable = true;
        outcome.status = "NO_HEALTH_SERVICE";
        outcome.detail = "the server there has no grpc.health.v1.Health";
        break;
      default:
        outcome.reachable = true;
        outcome.status = absl::StatusCodeToString(error.code());
        outcome.detail = std::string(error.message());
        break;
    }
  }
  if (outcome.reachable) outcome.server_status = Describe(CheckHealth(*channel, "", timeout));
  return outcome;
}

int RunHealth(const std::vector<std::string>& args) {
  std::vector<Endpoint> endpoints;
  if (args.empty()) {
    endpoints = AllEndpoints();
  } else {
    for (const std::string& name : args) {
      absl::StatusOr<Endpoint> endpoint = FindEndpoint(name);
      if (!endpoint.ok()) {
        std::cerr << "salesctl health: " << endpoint.status().message() << "\n";
        return kExitUsage;
      }
      endpoints.push_back(*std::move(endpoint));
    }
  }

  // All at once, so that the command takes one deadline, not one per service.
  const absl::Duration timeout = absl::GetFlag(FLAGS_health_timeout);
  std::vector<Outcome> outcomes(endpoints.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < endpoints.size(); ++i) {
    threads.emplace_back([&, i] { outcomes[i] = Check(endpoints[i], timeout); });
  }
  for (std::thread& thread : threads) thread.join();

  bool healthy;
  if (args.empty()) {
    const bool any_reachable =
        std::any_of(outcomes.begin(), outcomes.end(), [](const Outcome& o) { return o.reachable; });
    healthy = any_reachable && std::all_of(outcomes.begin(), outcomes.end(), [](const Outcome& o) {
                return !o.reachable || o.serving;
              });
  } else {
    healthy =
        std::all_of(outcomes.begin(), outcomes.end(), [](const Outcome& o) { return o.serving; });
  }

  if (absl::GetFlag(FLAGS_json)) {
    google::protobuf::Struct out;
    auto& fields = *out.mutable_fields();
    fields["healthy"].set_bool_value(healthy);
    auto* services = fields["services"].mutable_list_value();
    for (const Outcome& o : outcomes) {
      auto& s = *services->add_values()->mutable_struct_value()->mutable_fields();
      s["name"].set_string_value(o.endpoint.name);
      s["address"].set_string_value(o.endpoint.address);
      s["service"].set_string_value(o.endpoint.grpc_service);
      s["status"].set_string_value(o.status);
      s["reachable"].set_bool_value(o.reachable);
      if (!o.detail.empty()) s["detail"].set_string_value(o.detail);
      if (!o.server_status.empty()) s["server_status"].set_string_value(o.server_status);
    }
    PrintJson(out);
  } else {
    size_t name_width = 12;
    size_t address_width = 15;
    for (const Outcome& o : outcomes) {
      name_width = std::max(name_width, o.endpoint.name.size());
      address_width = std::max(address_width, o.endpoint.address.size());
    }
    for (const Outcome& o : outcomes) {
      std::string line = absl::StrFormat("%-*s  %-*s  %s", name_width, o.endpoint.name,
                                         address_width, o.endpoint.address, o.status);
      if (!o.detail.empty()) absl::StrAppend(&line, " (", o.detail, ")");
      std::cout << line << "\n";
    }
    std::cout.flush();
  }
  return healthy ? kExitOk : kExitFailed;
}

SALESCTL_COMMAND({.name = "health",
                  .synopsis = "[SERVICE...] [--json] [--health_timeout 2s]",
                  .summary = "Show each service's grpc.health.v1 status (roster, activity, "
                             "sprint, compensation).",
                  .run = RunHealth});

}  // namespace
}  // namespace salesteam::salesctl
