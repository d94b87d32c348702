// The roster's tables and the SQL over them (SQLite and PostgreSQL alike).
// The store persists what the service has already validated and authorised;
// it enforces only what needs the database itself: optimistic versions
// (ABORTED on a stale one), unique emails (ALREADY_EXISTS), existence
// (NOT_FOUND), and the order of a member's assignments.
//
// Members come back with their whole assignment history and deactivation
// date, but team_id, role and active unresolved: which of them holds on a
// given day is the service's question (ResolveAsOf in assignments.h).
#ifndef SALESTEAM_SERVICES_ROSTER_ROSTER_STORE_H_
#define SALESTEAM_SERVICES_ROSTER_ROSTER_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/store/database.h"
#include "common/time/date.h"
#include "salesteam/roster/v1/roster.pb.h"

namespace salesteam::roster {

namespace rosterpb = ::salesteam::roster::v1;

// Which members ListMembers returns.
struct MemberFilter {
  // Empty: every team.
  std::string team_id;
  // MEMBER_ROLE_UNSPECIFIED: every role.
  rosterpb::MemberRole role = rosterpb::MEMBER_ROLE_UNSPECIFIED;
  // Team and role as of this day: members whose assignment covers it.
  periods::Date as_of;
  // Also members deactivated on or before as_of.
  bool include_inactive = false;
};

// Which training sessions ListTrainingSessions returns.
struct TrainingFilter {
  // Exactly one of the two is set.
  std::string member_id;
  std::string team_id;  // members assigned to the team on `as_of`
  periods::Date as_of;
  // TRAINING_AREA_UNSPECIFIED: every area.
  rosterpb::TrainingArea area = rosterpb::TRAINING_AREA_UNSPECIFIED;
};

// Where a newest-first page of training sessions resumes: after this session.
struct TrainingCursor {
  periods::Date date;
  std::string id;
};

// The most recent session of one member in one area on or before a day.
struct LastTraining {
  std::string member_id;
  rosterpb::TrainingArea area;
  periods::Date date;
};

// An assignment of a member to a team, for checks over a whole team.
struct TeamAssignment {
  std::string member_id;
  rosterpb::MemberRole role;
};

// Rules that span rows (a role must fit its team's sales model, a team's
// manager must be an active manager, a new model must fit every member) are
// passed to the writes below as checks, which run inside the write's
// transaction on what it reads there. Those writes run SERIALIZABLE, so two
// concurrent writes cannot each pass their check against the other's old
// state (a manager deactivated while a team names them, a FULL_CYCLE hire
// while the team becomes an assembly line): one of them is retried, sees the
// other's commit, and fails its check. A check must have no other effects.
using TeamCheck = std::function<absl::Status(const rosterpb::Team& team)>;
using TeamsCheck = std::function<absl::Status(const std::vector<rosterpb::Team>& teams)>;
using TeamUpdateCheck = std::function<absl::Status(const std::vector<TeamAssignment>& assignments,
                                                   const std::optional<rosterpb::Member>& manager)>;

// One page of the change feed.
struct ChangePage {
  // Consecutive changes, oldest first; empty when the reader is at the head
  // or outside the retained range.
  std::vector<rosterpb::RosterChange> changes;
  // The newest sequence committed.
  int64_t last_sequence = 0;
  // Changes up to this sequence were deleted for age.
  int64_t pruned_through = 0;
};

// What a committed write changed.
struct CommittedChange {
  int64_t sequence = 0;
  // One of the two is set.
  std::string team_id = "";
  std::string member_id = "";
};

// Called after a write has committed, before it is answered.
using ChangeListener = std::function<void(const CommittedChange& change)>;

class RosterStore {
 public:
  // `db` must outlive the store and have the roster migrations applied.
  // Every write to a team or member appends one change (RosterChange, in
  // the same transaction) and then calls `on_change`.
  explicit RosterStore(store::Database* db, ChangeListener on_change = nullptr)
      : db_(db), on_change_(std::move(on_change)) {}

  // ---- Teams ----

  // Stores a new team exactly as given (id, version 1 and both times set by
  // the caller). ALREADY_EXISTS when the id is taken. `check_manager` (when
  // set) gets the member named by team.manager_id (absent when empty or
  // unknown), inside the transaction.
  using ManagerCheck = std::function<absl::Status(const std::optional<rosterpb::Member>& manager)>;
  absl::Status InsertTeam(const rosterpb::Team& team, const ManagerCheck& check_manager = nullptr);

  // NOT_FOUND: `team "<id>" not found`.
  absl::StatusOr<rosterpb::Team> GetTeam(absl::string_view team_id);

  // Replaces every mutable field of the stored team with `team`'s, when the
  // stored version is `expected_version`; the stored version becomes
  // expected_version + 1 and update_time `now`. Returns the stored team.
  // NOT_FOUND for an unknown id; ABORTED ("team "<id>" was changed: version
  // is 4, the update read 3") for a stale version. `check` (when set) gets
  // the team's assignments in force on or after `from` of members not
  // deactivated by then, and the member named by team.manager_id (absent
  // when empty or unknown); its error fails the update.
  //
  // When the team's time_zone or currency_code differ from its latest terms,
  // the new ones apply from `terms_from` (default: `from`) on: earlier days
  // keep theirs (Team.terms). FAILED_PRECONDITION when later terms are
  // already scheduled. Teams are read with their terms; time_zone and
  // currency_code are the latest terms' (the service resolves today's).
  absl::StatusOr<rosterpb::Team> UpdateTeam(const rosterpb::Team& team, int64_t expected_version,
                                            absl::Time now, periods::Date from = {},
                                            const TeamUpdateCheck& check = nullptr,
                                            std::optional<periods::Date> terms_from = std::nullopt);

  // Teams ordered by id, after `after_id` (empty: from the start), at most
  // `limit`. `only_ids` (when set) restricts the listing to those ids.
  absl::StatusOr<std::vector<rosterpb::Team>> ListTeams(
      const std::optional<std::vector<std::string>>& only_ids, absl::string_view after_id,
      int limit);

  // ---- Members ----

  // Stores a new member: `member` carries id, the profile fields, hire_date,
  // version 1, both times and exactly one assignment (team and role from the
  // hire date). ALREADY_EXISTS with the message
  //   member.email: "a@b.c" already belongs to member "<id>"
  // when the email (case-insensitively) is taken; FAILED_PRECONDITION when
  // the team does not exist. `check_team` (when set) gets the team.
  absl::Status InsertMember(const rosterpb::Member& member, const TeamCheck& check_team = nullptr);

  // The member with its whole history (team_id, role and active unresolved).
  // NOT_FOUND: `member "<id>" not found`.
  absl::StatusOr<rosterpb::Member> GetMember(absl::string_view member_id);

  // The members among `member_ids` that exist, in no particular order; the
  // rest are simply absent. Repeated ids are answered once. Up to 1,000 ids
  // in one call, in a bounded number of statements.
  absl::StatusOr<std::vector<rosterpb::Member>> GetMembers(
      absl::Span<const std::string> member_ids);

  // The member with this email (case-insensitively), if any.
  absl::StatusOr<std::optional<rosterpb::Member>> FindMemberByEmail(absl::string_view email);

  // Replaces the profile fields (name, email, archetype, value_tier, skills,
  // motivators, contact_channels, hire_date) when the stored version is
  // `expected_version`. hire_date also moves the start of the first
  // assignment (FAILED_PRECONDITION when it would then start on or after the
  // second one's start, or on or after the deactivation date). NOT_FOUND,
  // ABORTED (stale version), ALREADY_EXISTS (email taken) as above.
  absl::StatusOr<rosterpb::Member> UpdateMemberProfile(const rosterpb::Member& member,
                                                       int64_t expected_version, absl::Time now);

  // Ends the member's latest assignment the day before `effective_date` and
  // starts (team_id, role) from it, in one transaction with the version
  // check. When the latest assignment starts on effective_date itself it is
  // replaced instead (the service allows that only for a move that has not
  // started yet). FAILED_PRECONDITION when effective_date is before the
  // latest assignment's start, when the member is deactivated on or before
  // effective_date, or when the team does not exist. `check_team` gets the
  // destination team, `check_managed` the teams whose manager_id is the
  // member.
  absl::StatusOr<rosterpb::Member> MoveMember(absl::string_view member_id, int64_t expected_version,
                                              absl::string_view team_id, rosterpb::MemberRole role,
                                              periods::Date effective_date, absl::Time now,
                                              const TeamCheck& check_team = nullptr,
                                              const TeamsCheck& check_managed = nullptr);

  // Sets the deactivation date (the first inactive day). FAILED_PRECONDITION
  // when the member is already deactivated or the date is before hire_date.
  // `check_managed` gets the teams whose manager_id is the member.
  absl::StatusOr<rosterpb::Member> DeactivateMember(absl::string_view member_id,
                                                    int64_t expected_version,
                                                    periods::Date effective_date, absl::Time now,
                                                    const TeamsCheck& check_managed = nullptr);

  // Members whose assignment covers filter.as_of and matches the filter,
  // ordered by id, after `after_id`, at most `limit`; active on as_of means
  // hire_date <= as_of < deactivation_date.
  absl::StatusOr<std::vector<rosterpb::Member>> ListMembers(const MemberFilter& filter,
                                                            absl::string_view after_id, int limit);

  // ---- Training ----

  // Stores a session exactly as given (id and create_time set by the caller).
  // FAILED_PRECONDITION when the member does not exist.
  absl::Status InsertTrainingSession(const rosterpb::TrainingSession& session);

  // Sessions newest first (date, then id, both descending), after `after`,
  // at most `limit`.
  absl::StatusOr<std::vector<rosterpb::TrainingSession>> ListTrainingSessions(
      const TrainingFilter& filter, const std::optional<TrainingCursor>& after, int limit);

  // For each of `member_ids` and each area they trained in, the latest
  // session on or before `as_of`.
  absl::StatusOr<std::vector<LastTraining>> LastTrainingPerArea(
      absl::Span<const std::string> member_ids, periods::Date as_of);

  // ---- Change feed ----

  // Up to `limit` changes after `after_sequence`, with the log's bounds, read
  // in one snapshot.
  absl::StatusOr<ChangePage> ReadChanges(int64_t after_sequence, int limit);

  // The newest sequence committed (0 before the first change).
  absl::StatusOr<int64_t> LastSequence();

  // The change log's id: `proposed` if it had none yet (the first process
  // to ask sets it), else the one set before.
  absl::StatusOr<std::string> FeedId(absl::string_view proposed);

  // Deletes the changes committed before `cutoff`; returns the sequence the
  // log is pruned through afterwards.
  absl::StatusOr<int64_t> PruneChanges(absl::Time cutoff);

 private:
  void Committed(CommittedChange change) const;

  store::Database* const db_;
  const ChangeListener on_change_;
};

}  // namespace salesteam::roster

#endif  // SALESTEAM_SERVICES_ROSTER_ROSTER_STORE_H_
