#include "clients/roster/fake_roster_client.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace salesteam::clients {

void FakeRosterClient::PutMember(RosterMember member) {
  absl::MutexLock lock(&mu_);
  std::string id = member.id;
  members_[id] = std::make_shared<const RosterMember>(std::move(member));
}

void FakeRosterClient::PutTeam(RosterTeam team) {
  absl::MutexLock lock(&mu_);
  std::string id = team.id;
  teams_[id] = std::make_shared<const RosterTeam>(std::move(team));
}

void FakeRosterClient::SetUnavailable(absl::Status status) {
  absl::MutexLock lock(&mu_);
  unavailable_ = std::move(status);
}

int FakeRosterClient::calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

MemberLookup FakeRosterClient::GetMembers(absl::Span<const std::string> ids) {
  absl::MutexLock lock(&mu_);
  ++calls_;
  MemberLookup lookup;
  for (const std::string& id : ids) {
    if (!unavailable_.ok()) {
      lookup.unavailable.insert(id);
      lookup.unavailable_reason = unavailable_;
      continue;
    }
    auto it = members_.find(id);
    if (it == members_.end()) {
      lookup.missing.insert(id);
    } else {
      lookup.found.emplace(id, it->second);
    }
  }
  return lookup;
}

absl::StatusOr<std::shared_ptr<const RosterTeam>> FakeRosterClient::GetTeam(
    absl::string_view team_id) {
  absl::MutexLock lock(&mu_);
  ++calls_;
  if (!unavailable_.ok()) return unavailable_;
  auto it = teams_.find(team_id);
  if (it == teams_.end())
    return absl::NotFoundError(absl::StrCat("team \"", team_id, "\" not found"));
  return it->second;
}

}  // namespace salesteam::clients
