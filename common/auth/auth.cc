#include "common/auth/auth.h"

#include <jwt.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/status.h"

#include "common/io.h"
#include "common/status.h"
#include "common/validation.h"

ABSL_FLAG(std::string, jwt_secret_file, "",
          "File holding the shared HS256 secret for bearer tokens (trailing whitespace is "
          "ignored). SALESTEAM_JWT_SECRET, when set, wins over this file; with neither, a "
          "built-in development secret is used.");

namespace salesteam::auth {
namespace {

// Known to everyone who has read this file: it only lets a single-machine
// suite run with no configuration. LoadJwtSecret warns whenever it is used.
constexpr char kDevelopmentSecret[] = "salesteam-development-secret-do-not-use-in-production";
constexpr size_t kMinSecretBytes = 32;
// gRPC's default metadata limit is 8 KiB; nothing legitimate comes near it,
// and refusing early bounds the work an anonymous caller can cause.
constexpr size_t kMaxTokenBytes = 8192;

absl::Status Unauthenticated(absl::string_view reason) {
  return absl::UnauthenticatedError(absl::StrCat("invalid bearer token: ", reason));
}

bool IsBase64UrlSegment(absl::string_view segment) {
  return std::all_of(segment.begin(), segment.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

// Decodes one base64url segment of a JWT into a JSON object.
absl::StatusOr<google::protobuf::Struct> DecodeJsonSegment(absl::string_view segment,
                                                           absl::string_view what) {
  std::string json;
  if (!absl::WebSafeBase64Unescape(segment, &json)) {
    return Unauthenticated(absl::StrCat(what, " is not base64url"));
  }
  google::protobuf::Struct object;
  if (!google::protobuf::util::JsonStringToMessage(json, &object).ok()) {
    return Unauthenticated(absl::StrCat(what, " is not a JSON object"));
  }
  return object;
}

const google::protobuf::Value* FindField(const google::protobuf::Struct& object,
                                         const std::string& name) {
  auto it = object.fields().find(name);
  return it == object.fields().end() ? nullptr : &it->second;
}

// A NumericDate claim (seconds since the epoch, fractions allowed by RFC 7519).
absl::StatusOr<absl::Time> NumericDate(const google::protobuf::Value& value,
                                       absl::string_view name) {
  // Far beyond any real date, but small enough that the conversion is exact.
  constexpr double kLimit = 1e12;
  if (value.kind_case() != google::protobuf::Value::kNumberValue ||
      !std::isfinite(value.number_value()) || std::fabs(value.number_value()) > kLimit) {
    return Unauthenticated(absl::StrCat("claim \"", name, "\" is not a NumericDate"));
  }
  return absl::FromUnixMicros(static_cast<int64_t>(std::floor(value.number_value() * 1e6)));
}

absl::StatusOr<std::string> NonEmptyString(const google::protobuf::Struct& claims,
                                           const std::string& name) {
  const google::protobuf::Value* value = FindField(claims, name);
  if (value == nullptr) return Unauthenticated(absl::StrCat("claim \"", name, "\" is missing"));
  if (value->kind_case() != google::protobuf::Value::kStringValue ||
      value->string_value().empty()) {
    return Unauthenticated(absl::StrCat("claim \"", name, "\" is not a non-empty string"));
  }
  return value->string_value();
}

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};
using CString = std::unique_ptr<char, FreeDeleter>;

std::string Describe(const Principal& principal) {
  return absl::StrCat("principal \"", principal.subject, "\" (", RoleName(principal.role), ")");
}

bool Privileged(const Principal& principal) {
  return principal.role == Role::kAdmin || principal.role == Role::kService;
}

class BearerTokenPlugin final : public grpc::MetadataCredentialsPlugin {
 public:
  explicit BearerTokenPlugin(std::string token) : header_(absl::StrCat("Bearer ", token)) {}

  // Adding a constant header never blocks, so gRPC may call it inline.
  bool IsBlocking() const override { return false; }
  const char* GetType() const override { return "salesteam.bearer"; }

  grpc::Status GetMetadata(grpc::string_ref /*service_url*/, grpc::string_ref /*method_name*/,
                           const grpc::AuthContext& /*channel_auth_context*/,
                           std::multimap<grpc::string, grpc::string>* metadata) override {
    metadata->emplace(kAuthorizationMetadataKey, header_);
    return grpc::Status::OK;
  }

  grpc::string DebugString() override { return "BearerTokenCredentials"; }

 private:
  const std::string header_;
};

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kRep:
      return "rep";
    case Role::kManager:
      return "manager";
    case Role::kAdmin:
      return "admin";
    case Role::kService:
      return "service";
  }
  return "unknown";
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  for (Role role : {Role::kRep, Role::kManager, Role::kAdmin, Role::kService}) {
    if (name == RoleName(role)) return role;
  }
  // `name` may come from a token nobody has verified yet: quoted and cut.
  return absl::InvalidArgumentError(
      absl::StrCat("unknown role ", QuoteInput(name), " (want rep, manager, admin or service)"));
}

bool Principal::InTeam(absl::string_view team_id) const {
  if (team_id.empty()) return false;
  return std::find(teams.begin(), teams.end(), team_id) != teams.end();
}

absl::StatusOr<JwtSecret> LoadJwtSecret() {
  std::string secret;
  std::string source;
  if (const char* env = std::getenv("SALESTEAM_JWT_SECRET"); env != nullptr) {
    // Set but empty is a broken deployment, not a request for the
    // development secret: it is refused below as too short.
    secret = env;
    source = "SALESTEAM_JWT_SECRET";
  } else if (std::string path = absl::GetFlag(FLAGS_jwt_secret_file); !path.empty()) {
    ASSIGN_OR_RETURN(secret, ReadFileToString(path, "--jwt_secret_file"));
    // Secret files (Kubernetes secrets, `echo x > file`) often end in a newline.
    absl::StripTrailingAsciiWhitespace(&secret);
    source = absl::StrCat("--jwt_secret_file \"", path, "\"");
  } else {
    static std::once_flag warned;
    std::call_once(warned, [] {
      std::fprintf(stderr,
                   "warning: no SALESTEAM_JWT_SECRET or --jwt_secret_file; using the built-in "
                   "development JWT secret, which anyone can use to mint tokens\n");
    });
    return JwtSecret{.value = kDevelopmentSecret, .is_development = true};
  }
  if (secret.size() < kMinSecretBytes) {
    return absl::FailedPreconditionError(absl::StrCat("the JWT secret from ", source, " has ",
                                                      secret.size(), " bytes; at least ",
                                                      kMinSecretBytes, " are required"));
  }
  return JwtSecret{.value = std::move(secret), .is_development = false};
}

TokenVerifier::TokenVerifier(std::string secret) : secret_(std::move(secret)) {}

absl::StatusOr<Principal> TokenVerifier::Verify(absl::string_view authorization,
                                                absl::Time now) const {
  if (authorization.empty()) {
    return absl::UnauthenticatedError("missing authorization metadata (want \"Bearer <jwt>\")");
  }
  constexpr absl::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(authorization.substr(0, kScheme.size()), kScheme)) {
    return absl::UnauthenticatedError(
        "authorization metadata is not a bearer token (want \"Bearer <jwt>\")");
  }
  absl::string_view token = absl::StripAsciiWhitespace(authorization.substr(kScheme.size()));
  if (token.size() > kMaxTokenBytes) return Unauthenticated("longer than 8 KiB");

  std::vector<absl::string_view> segments = absl::StrSplit(token, '.');
  if (segments.size() != 3) {
    return Unauthenticated("not three dot-separated segments (header.payload.signature)");
  }
  for (absl::string_view segment : segments) {
    if (!IsBase64UrlSegment(segment)) return Unauthenticated("a segment is not base64url");
  }
  if (segments[0].empty() || segments[1].empty()) {
    return Unauthenticated("empty header or payload");
  }
  if (segments[2].empty()) return Unauthenticated("unsigned (empty signature)");

  // The algorithm is checked here, before libjwt sees the token: libjwt
  // 1.10.2 verifies with whatever HMAC the header names (an HS512 token
  // signed with our secret passes jwt_decode), and no library behaviour for
  // `none` or an asymmetric algorithm fed an HMAC secret (the RS256/HS256
  // confusion) should matter either.
  ASSIGN_OR_RETURN(google::protobuf::Struct header, DecodeJsonSegment(segments[0], "header"));
  const google::protobuf::Value* alg = FindField(header, "alg");
  if (alg == nullptr || alg->kind_case() != google::protobuf::Value::kStringValue) {
    return Unauthenticated("header has no \"alg\"");
  }
  if (alg->string_value() != "HS256") {
    return Unauthenticated(absl::StrCat("algorithm ", QuoteInput(alg->string_value()),
                                        " is not accepted (only HS256)"));
  }
  if (FindField(header, "crit") != nullptr) {
    // RFC 7515 4.1.11: critical extensions we do not implement must be refused.
    return Unauthenticated("header has critical extensions (\"crit\")");
  }

  const std::string token_string(token);
  jwt_t* raw = nullptr;
  if (jwt_decode(&raw, token_string.c_str(), reinterpret_cast<const unsigned char*>(secret_.data()),
                 static_cast<int>(secret_.size())) != 0 ||
      raw == nullptr) {
    return Unauthenticated("signature does not verify");
  }
  JwtPtr jwt(raw);
  // Belt and braces: what libjwt verified with must be what we allowed.
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) {
    return Unauthenticated("signature algorithm is not HS256");
  }

  CString claims_json(jwt_get_grants_json(jwt.get(), nullptr));
  if (claims_json == nullptr) return Unauthenticated("payload has no claims");
  google::protobuf::Struct claims;
  if (!google::protobuf::util::JsonStringToMessage(claims_json.get(), &claims).ok()) {
    return Unauthenticated("payload is not a JSON object");
  }

  Principal principal;
  ASSIGN_OR_RETURN(principal.subject, NonEmptyString(claims, "sub"));
  ASSIGN_OR_RETURN(std::string role_name, NonEmptyString(claims, "role"));
  absl::StatusOr<Role> role = ParseRole(role_name);
  if (!role.ok()) return Unauthenticated(role.status().message());
  principal.role = *role;

  if (const google::protobuf::Value* teams = FindField(claims, "teams"); teams != nullptr) {
    if (teams->kind_case() != google::protobuf::Value::kListValue) {
      return Unauthenticated("claim \"teams\" is not an array");
    }
    for (const google::protobuf::Value& team : teams->list_value().values()) {
      if (team.kind_case() != google::protobuf::Value::kStringValue ||
          team.string_value().empty()) {
        return Unauthenticated("claim \"teams\" holds something other than team ids");
      }
      principal.teams.push_back(team.string_value());
    }
  }

  const google::protobuf::Value* exp_value = FindField(claims, "exp");
  if (exp_value == nullptr) return Unauthenticated("claim \"exp\" is missing");
  ASSIGN_OR_RETURN(absl::Time exp, NumericDate(*exp_value, "exp"));
  if (now >= exp + kClockSkew) {
    return Unauthenticated(absl::StrCat("expired at ", absl::FormatTime(exp, absl::UTCTimeZone())));
  }
  if (const google::protobuf::Value* nbf_value = FindField(claims, "nbf"); nbf_value != nullptr) {
    ASSIGN_OR_RETURN(absl::Time nbf, NumericDate(*nbf_value, "nbf"));
    if (nbf > now + kClockSkew) {
      return Unauthenticated(
          absl::StrCat("not valid before ", absl::FormatTime(nbf, absl::UTCTimeZone())));
    }
  }
  // Issue 2 lists `iat` among the claims and every token this suite mints
  // carries it, so a token without one was made by something else.
  const google::protobuf::Value* iat_value = FindField(claims, "iat");
  if (iat_value == nullptr) return Unauthenticated("claim \"iat\" is missing");
  ASSIGN_OR_RETURN(absl::Time iat, NumericDate(*iat_value, "iat"));
  if (iat > now + kClockSkew) {
    return Unauthenticated(
        absl::StrCat("issued in the future (", absl::FormatTime(iat, absl::UTCTimeZone()), ")"));
  }
  return principal;
}

absl::StatusOr<std::string> MintToken(absl::string_view secret, const Principal& principal,
                                      absl::Duration ttl, absl::Time now) {
  if (secret.size() < kMinSecretBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("secret has ", secret.size(), " bytes; at least ", kMinSecretBytes));
  }
  if (principal.subject.empty()) return absl::InvalidArgumentError("subject is empty");
  // JSON strings are UTF-8, and libjwt reads the subject as a C string: other
  // bytes would fail the encoding, or a NUL cut the subject short silently.
  auto is_claim_text = [](absl::string_view text) {
    return IsValidUtf8(text) && text.find('\0') == absl::string_view::npos;
  };
  if (!is_claim_text(principal.subject)) {
    return absl::InvalidArgumentError("subject is not UTF-8 text without NUL");
  }
  if (ttl <= absl::ZeroDuration()) return absl::InvalidArgumentError("ttl must be positive");
  google::protobuf::Struct teams_claim;
  google::protobuf::ListValue* teams =
      (*teams_claim.mutable_fields())["teams"].mutable_list_value();
  for (const std::string& team : principal.teams) {
    if (team.empty()) return absl::InvalidArgumentError("team id is empty");
    if (!is_claim_text(team)) {
      return absl::InvalidArgumentError("team id is not UTF-8 text without NUL");
    }
    teams->add_values()->set_string_value(team);
  }
  std::string teams_json;
  if (!google::protobuf::util::MessageToJsonString(teams_claim, &teams_json).ok()) {
    return absl::InternalError("cannot encode the teams claim");
  }

  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0 || raw == nullptr) return absl::ResourceExhaustedError("jwt_new failed");
  JwtPtr jwt(raw);
  const std::string subject(principal.subject);
  const std::string role(RoleName(principal.role));
  const long issued = static_cast<long>(absl::ToUnixSeconds(now));
  const long expires = static_cast<long>(absl::ToUnixSeconds(now + ttl));
  if (jwt_add_grant(jwt.get(), "sub", subject.c_str()) != 0 ||
      jwt_add_grant(jwt.get(), "role", role.c_str()) != 0 ||
      jwt_add_grants_json(jwt.get(), teams_json.c_str()) != 0 ||
      jwt_add_grant_int(jwt.get(), "iat", issued) != 0 ||
      jwt_add_grant_int(jwt.get(), "exp", expires) != 0) {
    return absl::InternalError("cannot add claims to the token");
  }
  if (jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
                  static_cast<int>(secret.size())) != 0) {
    return absl::InternalError("cannot set HS256 on the token");
  }
  CString encoded(jwt_encode_str(jwt.get()));
  if (encoded == nullptr) return absl::InternalError("cannot encode the token");
  return std::string(encoded.get());
}

std::shared_ptr<grpc::CallCredentials> BearerTokenCredentials(std::string token) {
  return grpc::experimental::MetadataCredentialsFromPlugin(
      std::make_unique<BearerTokenPlugin>(std::move(token)), GRPC_SECURITY_NONE);
}

void AttachBearerToken(grpc::ClientContext& context, absl::string_view token) {
  context.AddMetadata(kAuthorizationMetadataKey, absl::StrCat("Bearer ", token));
}

absl::Status CheckRole(const Principal& principal, std::initializer_list<Role> allowed) {
  if (std::find(allowed.begin(), allowed.end(), principal.role) != allowed.end()) {
    return absl::OkStatus();
  }
  std::vector<std::string> names;
  for (Role role : allowed) names.emplace_back(RoleName(role));
  return absl::PermissionDeniedError(absl::StrCat(Describe(principal),
                                                  " may not call this method (it needs role ",
                                                  absl::StrJoin(names, " or "), ")"));
}

absl::Status CheckCanReadTeam(const Principal& principal, absl::string_view team_id) {
  if (Privileged(principal) || principal.InTeam(team_id)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat(Describe(principal), " may not read team \"", team_id, "\""));
}

absl::Status CheckCanWriteTeam(const Principal& principal, absl::string_view team_id) {
  if (Privileged(principal) || (principal.role == Role::kManager && principal.InTeam(team_id))) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat(Describe(principal), " may not write team \"", team_id, "\""));
}

absl::Status CheckCanReadMember(const Principal& principal, absl::string_view member_id,
                                absl::string_view member_team_id) {
  if (Privileged(principal) || principal.InTeam(member_team_id) ||
      (!member_id.empty() && principal.subject == member_id)) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(Describe(principal), " may not read member \"",
                                                  member_id, "\" of team \"", member_team_id,
                                                  "\""));
}

absl::Status CheckCanWriteMember(const Principal& principal, absl::string_view member_id,
                                 absl::string_view member_team_id) {
  if (Privileged(principal) ||
      (principal.role == Role::kManager && principal.InTeam(member_team_id))) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(Describe(principal), " may not write member \"",
                                                  member_id, "\" of team \"", member_team_id,
                                                  "\""));
}

namespace {

absl::Status CheckMemberData(const Principal& principal, absl::string_view member_id,
                             absl::FunctionRef<absl::StatusOr<std::string>()> member_team,
                             absl::string_view verb) {
  if (Privileged(principal)) return absl::OkStatus();
  if (principal.role == Role::kRep) {
    if (!member_id.empty() && principal.subject == member_id) return absl::OkStatus();
    return absl::PermissionDeniedError(absl::StrCat(Describe(principal), " may ", verb,
                                                    " only their own data, not member \"",
                                                    member_id, "\"'s"));
  }
  if (principal.role == Role::kManager) {
    if (!member_id.empty() && principal.subject == member_id) return absl::OkStatus();
    absl::StatusOr<std::string> team = member_team();
    if (!team.ok()) return team.status();
    if (principal.InTeam(*team)) return absl::OkStatus();
    return absl::PermissionDeniedError(absl::StrCat(Describe(principal), " may not ", verb,
                                                    " the data of member \"", member_id,
                                                    "\" of team \"", *team, "\""));
  }
  return absl::PermissionDeniedError(
      absl::StrCat(Describe(principal), " may not ", verb, " member data"));
}

}  // namespace

absl::Status CheckCanReadMemberData(const Principal& principal, absl::string_view member_id,
                                    absl::FunctionRef<absl::StatusOr<std::string>()> member_team) {
  return CheckMemberData(principal, member_id, member_team, "read");
}

absl::Status CheckCanWriteMemberData(const Principal& principal, absl::string_view member_id,
                                     absl::FunctionRef<absl::StatusOr<std::string>()> member_team) {
  return CheckMemberData(principal, member_id, member_team, "write");
}

absl::Status PrecheckCanWriteMemberData(const Principal& principal, absl::string_view member_id) {
  if (principal.role != Role::kRep) return absl::OkStatus();
  return CheckMemberData(
      principal, member_id, [] { return absl::StatusOr<std::string>(""); }, "write");
}

absl::Status CheckCanReadTeamData(const Principal& principal, absl::string_view team_id) {
  if (Privileged(principal) || (principal.role == Role::kManager && principal.InTeam(team_id))) {
    return absl::OkStatus();
  }
  if (principal.role == Role::kRep) {
    return absl::PermissionDeniedError(absl::StrCat(
        Describe(principal), " may read only their own data, not team \"", team_id, "\"'s"));
  }
  return absl::PermissionDeniedError(
      absl::StrCat(Describe(principal), " may not read team \"", team_id, "\"'s data"));
}

ServiceTokenSource::ServiceTokenSource(std::string secret, std::string service_name,
                                       std::function<absl::Time()> clock)
    : secret_(std::move(secret)),
      service_name_(std::move(service_name)),
      clock_(std::move(clock)) {}

absl::StatusOr<std::string> ServiceTokenSource::Token() {
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  if (now < renew_at_) return token_;
  Principal principal;
  principal.subject = service_name_;
  principal.role = Role::kService;
  constexpr absl::Duration kTtl = absl::Hours(1);
  absl::StatusOr<std::string> token = MintToken(secret_, principal, kTtl, now);
  if (!token.ok()) return token.status();
  token_ = *std::move(token);
  renew_at_ = now + kTtl / 2;
  return token_;
}

bool CanSeeManagementData(const Principal& principal, absl::string_view member_team_id) {
  return Privileged(principal) ||
         (principal.role == Role::kManager && principal.InTeam(member_team_id));
}

}  // namespace salesteam::auth
