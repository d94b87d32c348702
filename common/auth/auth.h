// Who is calling, and what they may see. Every RPC except health and
// reflection carries `authorization: Bearer <JWT>` (HS256, shared secret).
// The server verifies it once per call (common/server) and hands the handler a
// Principal; the Check* helpers below answer "may this principal read/write
// this member/team" with PERMISSION_DENIED otherwise. The same file mints
// tokens (salesctl, tests) and attaches them to outgoing calls between
// services.
#ifndef SALESTEAM_COMMON_AUTH_AUTH_H_
#define SALESTEAM_COMMON_AUTH_AUTH_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace grpc {
class CallCredentials;
class ClientContext;
}  // namespace grpc

namespace salesteam::auth {

// What a caller is allowed to do, from least to most.
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

// The shared HS256 secret: SALESTEAM_JWT_SECRET when set, else the contents of
// the file named by --jwt_secret_file, else a built-in development secret
// (with a warning on stderr) so that the suite runs on one machine with no
// configuration. Refuses secrets shorter than 32 bytes.
absl::StatusOr<std::string> LoadJwtSecret();

// Verifies bearer tokens. Only HS256 is accepted: `none`, RS*/ES* and any
// other algorithm are refused whatever the signature says.
class TokenVerifier {
 public:
  explicit TokenVerifier(std::string secret);

  // `authorization` is the whole metadata value, "Bearer <jwt>". Missing,
  // malformed, expired, not-yet-valid, wrongly signed or alg-confused tokens,
  // and tokens without sub/role/exp, are UNAUTHENTICATED with a reason.
  absl::StatusOr<Principal> Verify(absl::string_view authorization, absl::Time now) const;

 private:
  std::string secret_;
};

// A signed HS256 token for `principal`, issued at `now`, expiring at now + ttl.
absl::StatusOr<std::string> MintToken(absl::string_view secret, const Principal& principal,
                                      absl::Duration ttl, absl::Time now);

// Per-call credentials that send "authorization: Bearer <token>" on every
// call, on insecure and TLS channels alike (service-to-service calls).
std::shared_ptr<grpc::CallCredentials> BearerTokenCredentials(std::string token);

// Attaches the token to one call.
void AttachBearerToken(grpc::ClientContext& context, absl::string_view token);

// Authorisation. Admin and service principals pass every check; managers pass
// for teams in their `teams` claim; reps read their own team (and their own
// member record) and write nothing but what a service explicitly allows them.
// Each failure is PERMISSION_DENIED with a message naming what was refused.
absl::Status CheckRole(const Principal& principal, std::initializer_list<Role> allowed);
absl::Status CheckCanReadTeam(const Principal& principal, absl::string_view team_id);
absl::Status CheckCanWriteTeam(const Principal& principal, absl::string_view team_id);
absl::Status CheckCanReadMember(const Principal& principal, absl::string_view member_id,
                                absl::string_view member_team_id);
absl::Status CheckCanWriteMember(const Principal& principal, absl::string_view member_id,
                                 absl::string_view member_team_id);
// True when the principal may see a member's management data (value tier,
// motivators): managers of the member's team, admin and service.
bool CanSeeManagementData(const Principal& principal, absl::string_view member_team_id);

}  // namespace salesteam::auth

#endif  // SALESTEAM_COMMON_AUTH_AUTH_H_
