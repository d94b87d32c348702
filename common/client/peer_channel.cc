#include "common/client/peer_channel.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/auth/auth.h"
#include "common/client/current_call.h"
#include "common/io.h"
#include "common/status.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace salesteam::client {
namespace {

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials(const PeerOptions& options) {
  if (options.tls_ca_file.empty()) {
    if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("--", options.name,
                                                     "_tls_cert and _tls_key need --", options.name,
                                                     "_tls_ca (TLS is off without it)"));
    }
    return grpc::InsecureChannelCredentials();
  }
  grpc::SslCredentialsOptions ssl;
  ASSIGN_OR_RETURN(
      ssl.pem_root_certs,
      ReadFileToString(options.tls_ca_file, absl::StrCat("--", options.name, "_tls_ca")));
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", options.name, "_tls_cert and --", options.name, "_tls_key go together"));
  }
  if (!options.tls_cert_file.empty()) {
    ASSIGN_OR_RETURN(
        ssl.pem_cert_chain,
        ReadFileToString(options.tls_cert_file, absl::StrCat("--", options.name, "_tls_cert")));
    ASSIGN_OR_RETURN(
        ssl.pem_private_key,
        ReadFileToString(options.tls_key_file, absl::StrCat("--", options.name, "_tls_key")));
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace

std::string RetryServiceConfig(const RetryPolicy& policy) {
  std::vector<std::string> names;
  for (const std::string& method : policy.idempotent_methods) {
    names.push_back(
        absl::StrCat(R"({"service":")", policy.service, R"(","method":")", method, R"("})"));
  }
  return absl::StrCat(R"({"methodConfig":[{"name":[)", absl::StrJoin(names, ","),
                      R"(],"retryPolicy":{"maxAttempts":)", policy.max_attempts,
                      R"(,"initialBackoff":"0.05s","maxBackoff":"1s","backoffMultiplier":2,)",
                      R"("retryableStatusCodes":["UNAVAILABLE"]}}]})");
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakePeerChannel(const PeerOptions& options,
                                                               const RetryPolicy& retry) {
  if (options.address.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--", options.name, "_address: is required"));
  }
  if (options.deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", options.name, "_deadline: must be positive"));
  }
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> credentials, Credentials(options));
  grpc::ChannelArguments args;
  if (!retry.idempotent_methods.empty()) args.SetServiceConfigJSON(RetryServiceConfig(retry));
  return grpc::CreateCustomChannel(options.address, credentials, args);
}

absl::StatusOr<std::unique_ptr<grpc::ClientContext>> NewPeerContext(absl::Duration cap,
                                                                    const TokenFunction& token) {
  std::unique_ptr<grpc::ClientContext> context;
  if (const grpc::CallbackServerContext* call = CurrentCall(); call != nullptr) {
    // gRPC gives the child the earlier of the parent's deadline and its own,
    // and cancels it when the parent is cancelled.
    context = grpc::ClientContext::FromCallbackServerContext(*call);
  } else {
    context = std::make_unique<grpc::ClientContext>();
  }
  context->set_deadline(absl::ToChronoTime(absl::Now() + cap));
  ASSIGN_OR_RETURN(std::string bearer, token());
  auth::AttachBearerToken(*context, bearer);
  return context;
}

}  // namespace salesteam::client
