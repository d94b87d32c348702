#include "tools/salesctl/client.h"

#include <cstdio>
#include <iostream>
#include <optional>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

#include "common/auth/auth.h"
#include "common/io.h"
#include "common/status.h"
#include "tools/salesctl/commands.h"

ABSL_FLAG(std::string, roster_address, "127.0.0.1:50051", "host:port of the roster service");
ABSL_FLAG(std::string, activity_address, "127.0.0.1:50052", "host:port of the activity service");
ABSL_FLAG(std::string, sprint_address, "127.0.0.1:50053", "host:port of the sprint service");
ABSL_FLAG(std::string, compensation_address, "127.0.0.1:50054",
          "host:port of the compensation service");
ABSL_FLAG(bool, tls, false, "Connect with TLS instead of plaintext");
ABSL_FLAG(std::string, ca_cert, "",
          "PEM file of the CA that signed the servers' certificates (default: system roots)");
ABSL_FLAG(std::string, client_cert, "", "PEM client certificate chain, for mutual TLS");
ABSL_FLAG(std::string, client_key, "", "PEM client private key, for mutual TLS");
ABSL_FLAG(std::string, tls_server_name, "",
          "Name to expect in the server certificate when it differs from the address's host");
ABSL_FLAG(std::string, token, "",
          "Bearer token for calls; without one, salesctl mints a short-lived admin token with the "
          "local JWT secret");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "Deadline of each call");
ABSL_FLAG(bool, json, false, "Print machine-readable JSON instead of text");

namespace salesteam::salesctl {
namespace {

// The token salesctl mints for itself when --token is not given, minted once
// per run so that every call of one command carries the same token. A failed
// attempt is not remembered: the next call tries again.
class MintedToken {
 public:
  absl::StatusOr<std::string> Get() ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    if (!token_.has_value()) {
      ASSIGN_OR_RETURN(auth::JwtSecret secret, auth::LoadJwtSecret());
      auth::Principal principal;
      principal.subject = "salesctl";
      principal.role = auth::Role::kAdmin;
      ASSIGN_OR_RETURN(token_,
                       auth::MintToken(secret.value, principal, absl::Minutes(15), absl::Now()));
    }
    return *token_;
  }

 private:
  absl::Mutex mutex_;
  std::optional<std::string> token_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace

std::vector<Endpoint> AllEndpoints() {
  return {
      {"roster", "salesteam.roster.v1.RosterService", absl::GetFlag(FLAGS_roster_address)},
      {"activity", "salesteam.activity.v1.ActivityService", absl::GetFlag(FLAGS_activity_address)},
      {"sprint", "salesteam.sprint.v1.SprintService", absl::GetFlag(FLAGS_sprint_address)},
      {"compensation", "salesteam.compensation.v1.CompensationService",
       absl::GetFlag(FLAGS_compensation_address)},
  };
}

absl::StatusOr<Endpoint> FindEndpoint(absl::string_view name) {
  std::vector<std::string> names;
  for (Endpoint& endpoint : AllEndpoints()) {
    if (endpoint.name == name) return std::move(endpoint);
    names.push_back(endpoint.name);
  }
  return absl::NotFoundError(
      absl::StrCat("no service \"", name, "\" (known: ", absl::StrJoin(names, ", "), ")"));
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const std::string& address) {
  grpc::ChannelArguments arguments;
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (absl::GetFlag(FLAGS_tls)) {
    grpc::SslCredentialsOptions options;
    if (std::string path = absl::GetFlag(FLAGS_ca_cert); !path.empty()) {
      ASSIGN_OR_RETURN(options.pem_root_certs, ReadFileToString(path, "--ca_cert"));
    }
    const std::string cert = absl::GetFlag(FLAGS_client_cert);
    const std::string key = absl::GetFlag(FLAGS_client_key);
    if (cert.empty() != key.empty()) {
      return absl::InvalidArgumentError("--client_cert and --client_key go together");
    }
    if (!cert.empty()) {
      ASSIGN_OR_RETURN(options.pem_cert_chain, ReadFileToString(cert, "--client_cert"));
      ASSIGN_OR_RETURN(options.pem_private_key, ReadFileToString(key, "--client_key"));
    }
    if (std::string name = absl::GetFlag(FLAGS_tls_server_name); !name.empty()) {
      arguments.SetSslTargetNameOverride(name);
    }
    credentials = grpc::SslCredentials(options);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  return grpc::CreateCustomChannel(address, credentials, arguments);
}

absl::StatusOr<std::string> CallToken() {
  if (std::string token = absl::GetFlag(FLAGS_token); !token.empty()) return token;
  // Never destroyed: a command's last call may still be running when main
  // returns.
  static MintedToken* const minted = new MintedToken();
  return minted->Get();
}

absl::Status PrepareCall(grpc::ClientContext& context) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_timeout)));
  ASSIGN_OR_RETURN(std::string token, CallToken());
  context.set_credentials(auth::BearerTokenCredentials(std::move(token)));
  return absl::OkStatus();
}

void PrintJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) {
    json = R"({"error":"unprintable result"})";
  }
  std::cout << json << std::endl;
}

int Fail(const absl::Status& status) {
  std::cerr << "salesctl: " << status << std::endl;
  return kExitFailed;
}

}  // namespace salesteam::salesctl
