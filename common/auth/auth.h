// Who is calling, and what they may see. Every RPC except health and
// reflection carries `authorization: Bearer <JWT>` (HS256, shared secret).
// The server verifies it once per call (common/server) and hands the handler a
// Principal; the Check* helpers below answer "may this principal read/write
// this member/team" with PERMISSION_DENIED otherwise. The same file mints
// tokens (salesctl, tests) and attaches them to outgoing calls between
// services.
#ifndef SALESTEAM_COMMON_AUTH_AUTH_H_
#define SALESTEAM_COMMON_AUTH_AUTH_H_

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace grpc {
class CallCredentials;
class ClientContext;
}  // namespace grpc

namespace salesteam::auth {

// The gRPC metadata key that carries "Bearer <jwt>" (always lower case on the
// wire).
inline constexpr char kAuthorizationMetadataKey[] = "authorization";

// How far the verifier's clock and the issuer's may disagree: a token is
// still accepted up to this long after `exp`, and `nbf`/`iat` may lie up to
// this long in the future. Pods on different nodes drift by a few seconds;
// 30 s covers that without stretching a token's life noticeably.
inline constexpr absl::Duration kClockSkew = absl::Seconds(30);

// What a caller is allowed to do. Rep, manager and admin are people, in
// increasing authority; service is another of the suite's services calling on
// its own behalf. Admin and service pass the same team and member checks, but
// CheckRole can single out either, so the order is not a ranking: compare
// roles for equality only.
enum class Role { kRep, kManager, kAdmin, kService };

// "rep", "manager", "admin", "service".
absl::string_view RoleName(Role role);
absl::StatusOr<Role> ParseRole(absl::string_view name);

// The verified caller of one RPC.
struct Principal {
  std::string subject;             // `sub`: the caller's member id (or a service name)
  Role role = Role::kRep;          // `role`
  std::vector<std::string> teams;  // `teams`: team ids the caller belongs to or manages

  bool InTeam(absl::string_view team_id) const;
};

// The shared HS256 secret and where it came from.
struct JwtSecret {
  std::string value;
  // True when no secret was configured and `value` is the built-in
  // development secret, which anyone who has read the source can mint tokens
  // with: a server must then listen on loopback only.
  bool is_development = false;
};

// SALESTEAM_JWT_SECRET when set, else the contents of the file named by
// --jwt_secret_file, else the built-in development secret (with a warning on
// stderr, and is_development set) so that the suite runs on one machine with
// no configuration. Refuses secrets shorter than 32 bytes.
absl::StatusOr<JwtSecret> LoadJwtSecret();

// Verifies bearer tokens. Only HS256 is accepted: `none`, RS*/ES*, HS384/512
// and any other algorithm are refused whatever the signature says. Thread-safe
// (immutable after construction).
class TokenVerifier {
 public:
  explicit TokenVerifier(std::string secret);

  // `authorization` is the whole metadata value, "Bearer <jwt>" (the scheme
  // is matched case-insensitively, RFC 7235); pass "" when the call had none.
  // Missing, malformed, expired, not-yet-valid, wrongly signed or
  // alg-confused tokens, tokens without sub/role/exp/iat, with an unknown role or
  // with `teams` not an array of strings are UNAUTHENTICATED with a reason.
  // `exp`, `nbf` and `iat` are checked against `now` allowing kClockSkew.
  absl::StatusOr<Principal> Verify(absl::string_view authorization, absl::Time now) const;

 private:
  std::string secret_;
};

// A signed HS256 token for `principal`, issued at `now`, expiring at now + ttl.
// INVALID_ARGUMENT for an empty subject or team id, one that is not UTF-8 or
// holds a NUL byte, a ttl <= 0, or a secret shorter than 32 bytes.
absl::StatusOr<std::string> MintToken(absl::string_view secret, const Principal& principal,
                                      absl::Duration ttl, absl::Time now);

// A service token for this service's calls to its peers (role service,
// subject the service's name), minted from the shared secret and renewed when
// half its hour has passed. Thread-safe.
class ServiceTokenSource {
 public:
  ServiceTokenSource(
      std::string secret, std::string service_name,
      std::function<absl::Time()> clock = [] { return absl::Now(); });
  absl::StatusOr<std::string> Token();

 private:
  const std::string secret_;
  const std::string service_name_;
  const std::function<absl::Time()> clock_;
  absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  absl::Time renew_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

// Per-call credentials that send "authorization: Bearer <token>", on
// insecure and TLS channels alike (service-to-service calls): set them on
// each call with ClientContext::set_credentials. gRPC normally withholds call
// credentials from channels below privacy-and-integrity; these ask for no
// minimum security level, because the suite also runs without TLS and its
// calls must still authenticate. gRPC 1.51 refuses to compose call
// credentials into *insecure* channel credentials (CompositeChannelCredentials
// fails every call with "Invalid credentials"), so attach them per call, not
// per channel; over TLS either way works.
std::shared_ptr<grpc::CallCredentials> BearerTokenCredentials(std::string token);

// Attaches the token to one call as plain metadata; the same effect as
// BearerTokenCredentials, for code that builds its ClientContext itself.
void AttachBearerToken(grpc::ClientContext& context, absl::string_view token);

// Authorisation. Admin and service principals pass every team/member check;
// managers read and write the teams in their `teams` claim and the members of
// those teams (and read their own member record); reps read their own team,
// its members and their own member record, and write nothing through these
// helpers (a service that lets reps record their own activity compares the
// subject itself). Each failure is PERMISSION_DENIED with a message naming
// the principal and what was refused, e.g.
//   principal "m-1" (rep) may not write team "t-2"
//
// CheckRole is the exception to "admin and service pass everything": it
// passes exactly the roles listed, so an RPC meant only for other services
// can say CheckRole(p, {Role::kService}).
absl::Status CheckRole(const Principal& principal, std::initializer_list<Role> allowed);
absl::Status CheckCanReadTeam(const Principal& principal, absl::string_view team_id);
absl::Status CheckCanWriteTeam(const Principal& principal, absl::string_view team_id);
absl::Status CheckCanReadMember(const Principal& principal, absl::string_view member_id,
                                absl::string_view member_team_id);
absl::Status CheckCanWriteMember(const Principal& principal, absl::string_view member_id,
                                 absl::string_view member_team_id);
// A member's own data (activities, sprint commitments, pay): reps see and
// write only their own, managers those of members of their teams, admin and
// service everything. `member_team` names the member's team; it is asked only
// when the answer depends on it (a manager's call), so that callers may look
// it up lazily. Its error is returned as is.
absl::Status CheckCanReadMemberData(const Principal& principal, absl::string_view member_id,
                                    absl::FunctionRef<absl::StatusOr<std::string>()> member_team);
absl::Status CheckCanWriteMemberData(const Principal& principal, absl::string_view member_id,
                                     absl::FunctionRef<absl::StatusOr<std::string>()> member_team);
// The part of CheckCanWriteMemberData that needs no lookup, for callers that
// would otherwise look the member up first: PERMISSION_DENIED for a rep and
// another member's data, OK for everyone else (a manager's answer then
// depends on the member's team: call CheckCanWriteMemberData once known).
absl::Status PrecheckCanWriteMemberData(const Principal& principal, absl::string_view member_id);
// A team's data as a whole (team KPIs, leaderboards, boards, pay reports):
// managers of the team, admin and service; never a rep, who sees only their
// own data.
absl::Status CheckCanReadTeamData(const Principal& principal, absl::string_view team_id);
// True when the principal may see a member's management data (value tier,
// motivators): managers of the member's team, admin and service.
bool CanSeeManagementData(const Principal& principal, absl::string_view member_team_id);

}  // namespace salesteam::auth

#endif  // SALESTEAM_COMMON_AUTH_AUTH_H_
