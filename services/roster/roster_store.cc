#include "services/roster/roster_store.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/status.h"
#include "common/store/database.h"
#include "common/store/types.h"
#include "common/time/date.h"
#include "common/time/timestamp.h"
#include "google/protobuf/timestamp.pb.h"
#include "salesteam/roster/v1/roster.pb.h"
#include "salesteam/type/v1/date.pb.h"

namespace salesteam::roster {
namespace {

using store::Executor;
using store::Param;
using store::ResultSet;
using store::Row;
using store::Transaction;

// IN lists are padded (with repeats of their last id) to one of these sizes,
// so that a handful of statement texts serve every batch size and stay in
// each connection's prepared-statement cache. The largest is the chunk size:
// 1,000 ids take two statements.
constexpr size_t kInListSizes[] = {1, 8, 32, 128, 500};
constexpr size_t kMaxInList = 500;

constexpr absl::string_view kTeamColumns =
    "id, name, time_zone, currency_code, sales_model, manager_id, settings, version, "
    "create_time_us, update_time_us";

// A member row followed by one of its assignments (NULLs when it has none),
// ordered by member and then assignment: every member read is one statement,
// so that a member and its history come from the same snapshot on both
// backends (PostgreSQL's READ COMMITTED gives each statement its own).
constexpr absl::string_view kMemberWithHistory =
    "SELECT m.id, m.name, m.email, m.profile, m.hire_date, m.deactivation_date, m.version, "
    "m.create_time_us, m.update_time_us, a.team_id, a.role, a.effective_from, a.effective_until "
    "FROM members m LEFT JOIN member_assignments a ON a.member_id = m.id ";
constexpr absl::string_view kMemberOrder = " ORDER BY m.id, a.effective_from";

constexpr absl::string_view kSessionColumns =
    "s.id, s.member_id, s.area, s.session_date, s.hours, s.note, s.recorded_by, s.create_time_us";

// ---- Conversions ----

// Instants are stored as microseconds since the Unix epoch.
absl::StatusOr<int64_t> ToMicros(const google::protobuf::Timestamp& time, absl::string_view field) {
  ASSIGN_OR_RETURN(absl::Time t, periods::TimeFromProto(time, field));
  return absl::ToUnixMicros(t);
}

google::protobuf::Timestamp FromMicros(int64_t micros) {
  google::protobuf::Timestamp proto;
  periods::TimeToProto(absl::FromUnixMicros(micros), &proto);
  return proto;
}

// Emails are unique case-insensitively. Lower-casing here rather than with
// SQL lower() keeps the rule the same on both backends (SQLite folds only
// ASCII, PostgreSQL by locale).
std::string EmailKey(absl::string_view email) { return absl::AsciiStrToLower(email); }

// A stored day; a malformed one is a corrupt row, not the caller's fault.
absl::StatusOr<periods::Date> ParseStoredDate(absl::string_view text, absl::string_view column) {
  absl::StatusOr<periods::Date> date = periods::ParseIsoDate(text, column);
  if (!date.ok()) {
    return absl::InternalError(
        absl::StrCat("roster store: bad stored date: ", date.status().message()));
  }
  return *date;
}

absl::StatusOr<periods::Date> StoredDate(const Row& row, size_t column, absl::string_view name) {
  ASSIGN_OR_RETURN(std::string text, row.Text(column));
  return ParseStoredDate(text, name);
}

absl::StatusOr<std::optional<periods::Date>> OptionalStoredDate(const Row& row, size_t column,
                                                                absl::string_view name) {
  ASSIGN_OR_RETURN(std::optional<std::string> text, row.OptionalText(column));
  if (!text.has_value()) return std::nullopt;
  ASSIGN_OR_RETURN(periods::Date date, ParseStoredDate(*text, name));
  return date;
}

// The parts of a team kept whole in its settings column.
std::string TeamSettings(const rosterpb::Team& team) {
  rosterpb::Team settings;
  if (team.has_expectation_policy()) {
    *settings.mutable_expectation_policy() = team.expectation_policy();
  }
  *settings.mutable_training_cadence() = team.training_cadence();
  *settings.mutable_stage_ownership() = team.stage_ownership();
  return settings.SerializeAsString();
}

// The parts of a member kept whole in its profile column.
std::string MemberProfile(const rosterpb::Member& member) {
  rosterpb::Member profile;
  profile.set_archetype(member.archetype());
  if (member.has_value_tier()) profile.set_value_tier(member.value_tier());
  *profile.mutable_skills() = member.skills();
  *profile.mutable_motivators() = member.motivators();
  *profile.mutable_contact_channels() = member.contact_channels();
  return profile.SerializeAsString();
}

// A row of kTeamColumns.
absl::StatusOr<rosterpb::Team> TeamFromRow(const Row& row) {
  rosterpb::Team team;
  ASSIGN_OR_RETURN(std::string settings, row.Bytes(6));
  if (!team.ParseFromString(settings)) {
    return absl::InternalError("roster store: unreadable team settings");
  }
  ASSIGN_OR_RETURN(*team.mutable_id(), row.Text(0));
  ASSIGN_OR_RETURN(*team.mutable_name(), row.Text(1));
  ASSIGN_OR_RETURN(*team.mutable_time_zone(), row.Text(2));
  ASSIGN_OR_RETURN(*team.mutable_currency_code(), row.Text(3));
  ASSIGN_OR_RETURN(int64_t sales_model, row.Int64(4));
  team.set_sales_model(static_cast<rosterpb::SalesModel>(sales_model));
  ASSIGN_OR_RETURN(std::optional<std::string> manager_id, row.OptionalText(5));
  if (manager_id.has_value()) team.set_manager_id(*std::move(manager_id));
  ASSIGN_OR_RETURN(int64_t version, row.Int64(7));
  team.set_version(version);
  ASSIGN_OR_RETURN(int64_t create_us, row.Int64(8));
  *team.mutable_create_time() = FromMicros(create_us);
  ASSIGN_OR_RETURN(int64_t update_us, row.Int64(9));
  *team.mutable_update_time() = FromMicros(update_us);
  return team;
}

absl::StatusOr<std::vector<rosterpb::Team>> TeamsFromRows(const ResultSet& rows) {
  std::vector<rosterpb::Team> teams;
  teams.reserve(rows.size());
  for (Row row : rows) {
    ASSIGN_OR_RETURN(rosterpb::Team team, TeamFromRow(row));
    teams.push_back(std::move(team));
  }
  return teams;
}

// Members from rows laid out as kMemberWithHistory, ordered by member and
// then assignment.
// The first terms of a team start here: "since the team began".
constexpr absl::string_view kFirstTermsDay = "0001-01-01";

// Fills team.terms from team_terms, oldest first.
absl::Status AttachTerms(Executor& ex, rosterpb::Team& team) {
  ASSIGN_OR_RETURN(ResultSet rows,
                   ex.Query("SELECT effective_from, time_zone, currency_code FROM team_terms "
                            "WHERE team_id = $1 ORDER BY effective_from",
                            {team.id()}));
  team.clear_terms();
  for (const Row& row : rows) {
    rosterpb::TeamTerms& terms = *team.add_terms();
    ASSIGN_OR_RETURN(std::string from, row.Text(0));
    if (from != kFirstTermsDay) {
      ASSIGN_OR_RETURN(periods::Date day, ParseStoredDate(from, "team_terms.effective_from"));
      periods::DateToProto(day, terms.mutable_effective_from());
    }
    ASSIGN_OR_RETURN(*terms.mutable_time_zone(), row.Text(1));
    ASSIGN_OR_RETURN(*terms.mutable_currency_code(), row.Text(2));
  }
  return absl::OkStatus();
}

absl::Status AttachTerms(Executor& ex, std::vector<rosterpb::Team>& teams) {
  for (rosterpb::Team& team : teams) RETURN_IF_ERROR(AttachTerms(ex, team));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<rosterpb::Member>> MembersFromRows(const ResultSet& rows) {
  std::vector<rosterpb::Member> members;
  for (Row row : rows) {
    ASSIGN_OR_RETURN(std::string id, row.Text(0));
    if (members.empty() || members.back().id() != id) {
      rosterpb::Member& member = members.emplace_back();
      ASSIGN_OR_RETURN(std::string profile, row.Bytes(3));
      if (!member.ParseFromString(profile)) {
        return absl::InternalError(absl::StrCat("roster store: unreadable profile of member ", id));
      }
      member.set_id(std::move(id));
      ASSIGN_OR_RETURN(*member.mutable_name(), row.Text(1));
      ASSIGN_OR_RETURN(*member.mutable_email(), row.Text(2));
      ASSIGN_OR_RETURN(periods::Date hire_date, StoredDate(row, 4, "members.hire_date"));
      periods::DateToProto(hire_date, member.mutable_hire_date());
      ASSIGN_OR_RETURN(std::optional<periods::Date> deactivation_date,
                       OptionalStoredDate(row, 5, "members.deactivation_date"));
      if (deactivation_date.has_value()) {
        periods::DateToProto(*deactivation_date, member.mutable_deactivation_date());
      }
      ASSIGN_OR_RETURN(int64_t version, row.Int64(6));
      member.set_version(version);
      ASSIGN_OR_RETURN(int64_t create_us, row.Int64(7));
      *member.mutable_create_time() = FromMicros(create_us);
      ASSIGN_OR_RETURN(int64_t update_us, row.Int64(8));
      *member.mutable_update_time() = FromMicros(update_us);
    }
    if (row.IsNull(9)) continue;  // no assignment (never stored so; tolerated)
    rosterpb::Assignment& assignment = *members.back().add_assignments();
    ASSIGN_OR_RETURN(*assignment.mutable_team_id(), row.Text(9));
    ASSIGN_OR_RETURN(int64_t role, row.Int64(10));
    assignment.set_role(static_cast<rosterpb::MemberRole>(role));
    ASSIGN_OR_RETURN(periods::Date from, StoredDate(row, 11, "member_assignments.effective_from"));
    periods::DateToProto(from, assignment.mutable_effective_from());
    ASSIGN_OR_RETURN(std::optional<periods::Date> until,
                     OptionalStoredDate(row, 12, "member_assignments.effective_until"));
    if (until.has_value()) periods::DateToProto(*until, assignment.mutable_effective_until());
  }
  return members;
}

absl::StatusOr<rosterpb::TrainingSession> SessionFromRow(const Row& row) {
  rosterpb::TrainingSession session;
  ASSIGN_OR_RETURN(*session.mutable_id(), row.Text(0));
  ASSIGN_OR_RETURN(*session.mutable_member_id(), row.Text(1));
  ASSIGN_OR_RETURN(int64_t area, row.Int64(2));
  session.set_area(static_cast<rosterpb::TrainingArea>(area));
  ASSIGN_OR_RETURN(periods::Date date, StoredDate(row, 3, "training_sessions.session_date"));
  periods::DateToProto(date, session.mutable_date());
  ASSIGN_OR_RETURN(double hours, row.Double(4));
  session.set_hours(hours);
  ASSIGN_OR_RETURN(*session.mutable_note(), row.Text(5));
  ASSIGN_OR_RETURN(*session.mutable_recorded_by(), row.Text(6));
  ASSIGN_OR_RETURN(int64_t create_us, row.Int64(7));
  *session.mutable_create_time() = FromMicros(create_us);
  return session;
}

// ---- IN lists ----

// `ids` without repeats, in first-seen order.
std::vector<absl::string_view> UniqueIds(absl::Span<const std::string> ids) {
  std::vector<absl::string_view> unique;
  unique.reserve(ids.size());
  absl::flat_hash_set<absl::string_view> seen;
  seen.reserve(ids.size());
  for (const std::string& id : ids) {
    if (seen.insert(id).second) unique.push_back(id);
  }
  return unique;
}

// Appends `chunk` (1..kMaxInList ids) to `params`, padded to the next of
// kInListSizes with its last id, and returns the matching "($k, ...)" list.
// The params borrow the ids.
std::string AppendInList(absl::Span<const absl::string_view> chunk, std::vector<Param>& params) {
  size_t size = kMaxInList;
  for (size_t candidate : kInListSizes) {
    if (candidate >= chunk.size()) {
      size = candidate;
      break;
    }
  }
  std::string list = "(";
  for (size_t i = 0; i < size; ++i) {
    params.emplace_back(chunk[std::min(i, chunk.size() - 1)]);
    absl::StrAppend(&list, i == 0 ? "$" : ", $", params.size());
  }
  list += ")";
  return list;
}

// ---- Errors ----

absl::Status MemberNotFound(absl::string_view member_id) {
  return absl::NotFoundError(absl::StrCat("member ", QuoteInput(member_id), " not found"));
}

absl::Status TeamNotFound(absl::string_view team_id) {
  return absl::NotFoundError(absl::StrCat("team ", QuoteInput(team_id), " not found"));
}

// Why a version-checked UPDATE of `table` changed no row: NOT_FOUND or
// ABORTED.
absl::Status VersionConflict(Executor& ex, absl::string_view table, absl::string_view noun,
                             absl::string_view id, int64_t expected) {
  ASSIGN_OR_RETURN(ResultSet rows,
                   ex.Query(absl::StrCat("SELECT version FROM ", table, " WHERE id = $1"), {id}));
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat(noun, " ", QuoteInput(id), " not found"));
  }
  ASSIGN_OR_RETURN(int64_t stored, rows.front().Int64(0));
  return StaleVersionError(noun, id, stored, expected);
}

constexpr absl::string_view kEmailTakenPrefix = "member.email: ";

// ALREADY_EXISTS naming the member other than `member_id` who holds `email`
// (case-insensitively); OK when there is none.
absl::Status CheckEmailFree(Executor& ex, absl::string_view email, absl::string_view member_id) {
  const std::string key = EmailKey(email);
  ASSIGN_OR_RETURN(ResultSet rows, ex.Query("SELECT id FROM members WHERE email_key = $1", {key}));
  if (rows.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::string owner, rows.front().Text(0));
  if (owner == member_id) return absl::OkStatus();
  return absl::AlreadyExistsError(absl::StrCat(kEmailTakenPrefix, QuoteInput(email),
                                               " already belongs to member \"", owner, "\""));
}

// A member write checks the email first, inside its transaction, but a
// concurrent writer can still take it before the commit: the database's
// unique index then refuses the write, and this names the owner (which needs
// a statement after the failed transaction). Any other conflict is the id.
absl::Status ExplainMemberConflict(store::Database& db, absl::Status status,
                                   absl::string_view email, absl::string_view member_id) {
  if (status.code() != absl::StatusCode::kAlreadyExists ||
      absl::StartsWith(status.message(), kEmailTakenPrefix)) {
    return status;
  }
  absl::Status email_free = CheckEmailFree(db, email, member_id);
  if (!email_free.ok()) return email_free;
  return absl::AlreadyExistsError(
      absl::StrCat("member ", QuoteInput(member_id), " already exists"));
}

// ---- Member reads and checks shared by the writes ----

// The writes whose checks read other rows (see TeamCheck in the header).
// Concurrent writers to one team (or one email) make PostgreSQL cancel all
// but one of them as serialization failures; each retry then sees the
// winner's commit and gives its own answer (ALREADY_EXISTS, a failed check),
// so allow enough retries (with Transact's growing random pause) for a burst
// of writers to drain rather than hand a bare ABORTED to the caller.
const store::TransactOptions kCheckedWrite{.isolation = store::Isolation::kSerializable,
                                           .max_attempts = 10};

absl::StatusOr<rosterpb::Team> ReadTeam(Executor& ex, absl::string_view team_id) {
  ASSIGN_OR_RETURN(
      ResultSet rows,
      ex.Query(absl::StrCat("SELECT ", kTeamColumns, " FROM teams WHERE id = $1"), {team_id}));
  if (rows.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("team ", QuoteInput(team_id), " does not exist"));
  }
  ASSIGN_OR_RETURN(rosterpb::Team team, TeamFromRow(rows.front()));
  RETURN_IF_ERROR(AttachTerms(ex, team));
  return team;
}

absl::StatusOr<std::vector<rosterpb::Team>> ReadTeamsManagedBy(Executor& ex,
                                                               absl::string_view member_id) {
  ASSIGN_OR_RETURN(ResultSet rows,
                   ex.Query(absl::StrCat("SELECT ", kTeamColumns,
                                         " FROM teams WHERE manager_id = $1 ORDER BY id"),
                            {member_id}));
  return TeamsFromRows(rows);
}

absl::StatusOr<rosterpb::Member> ReadMember(Executor& ex, absl::string_view member_id) {
  const std::string sql = absl::StrCat(kMemberWithHistory, "WHERE m.id = $1", kMemberOrder);
  ASSIGN_OR_RETURN(ResultSet rows, ex.Query(sql, {member_id}));
  ASSIGN_OR_RETURN(std::vector<rosterpb::Member> members, MembersFromRows(rows));
  if (members.empty()) return MemberNotFound(member_id);
  return std::move(members.front());
}

// The member a team's manager_id names: absent when it is empty or names no
// member (the checks say why that is refused).
absl::StatusOr<std::optional<rosterpb::Member>> ReadTeamManager(Executor& ex,
                                                                absl::string_view manager_id) {
  if (manager_id.empty()) return std::nullopt;
  absl::StatusOr<rosterpb::Member> read = ReadMember(ex, manager_id);
  if (absl::IsNotFound(read.status())) return std::nullopt;
  RETURN_IF_ERROR(read.status());
  return *std::move(read);
}

// What a lifecycle write checks before it changes anything.
struct MemberState {
  periods::Date hire_date;
  std::optional<periods::Date> deactivation_date;
};

// The member's dates, once its stored version is `expected_version`
// (NOT_FOUND, ABORTED otherwise). Every write then changes the member row
// with the same version condition, which is what makes it safe against a
// concurrent writer: this read only picks the error a caller sees first.
absl::StatusOr<MemberState> ReadMemberState(Executor& ex, absl::string_view member_id,
                                            int64_t expected_version) {
  ASSIGN_OR_RETURN(
      ResultSet rows,
      ex.Query("SELECT version, hire_date, deactivation_date FROM members WHERE id = $1",
               {member_id}));
  if (rows.empty()) return MemberNotFound(member_id);
  const Row row = rows.front();
  ASSIGN_OR_RETURN(int64_t version, row.Int64(0));
  if (version != expected_version) {
    return StaleVersionError("member", member_id, version, expected_version);
  }
  MemberState state;
  ASSIGN_OR_RETURN(state.hire_date, StoredDate(row, 1, "members.hire_date"));
  ASSIGN_OR_RETURN(state.deactivation_date,
                   OptionalStoredDate(row, 2, "members.deactivation_date"));
  return state;
}

// The start days of the member's first (or, newest_first, latest) `limit`
// assignments, in that order.
absl::StatusOr<std::vector<periods::Date>> AssignmentStarts(Executor& ex,
                                                            absl::string_view member_id,
                                                            bool newest_first, int limit) {
  const std::string sql = absl::StrCat(
      "SELECT effective_from FROM member_assignments WHERE member_id = $1 ORDER BY "
      "effective_from ",
      newest_first ? "DESC" : "ASC", " LIMIT $2");
  ASSIGN_OR_RETURN(ResultSet rows, ex.Query(sql, {member_id, limit}));
  std::vector<periods::Date> starts;
  for (Row row : rows) {
    ASSIGN_OR_RETURN(periods::Date start, StoredDate(row, 0, "member_assignments.effective_from"));
    starts.push_back(start);
  }
  return starts;
}

// The first statement of every roster write. Each write appends to the change
// log's single row, so on PostgreSQL two SERIALIZABLE writes that overlap
// conflict there: one is cancelled and retried, and a burst of writers (even
// to unrelated members) exhausts the retries and fails with ABORTED. Locking
// the log before the transaction's snapshot is taken (its first read) makes
// the writers wait for their turn instead. SQLite has one writer at a time
// (BEGIN IMMEDIATE) already.
absl::Status TakeTurnToWrite(Transaction& tx) {
  if (tx.dialect() != store::Dialect::kPostgres) return absl::OkStatus();
  return tx.ExecuteScript("LOCK TABLE roster_change_log IN SHARE ROW EXCLUSIVE MODE");
}

// Appends the transaction's change: the next sequence from
// roster_change_log (whose row lock orders concurrent writers, so that
// sequences are gapless and commit in order), with `now` as its commit time.
absl::StatusOr<int64_t> AppendChange(Transaction& tx, rosterpb::RosterChange change,
                                     absl::Time now) {
  ASSIGN_OR_RETURN(ResultSet rows,
                   tx.Query("UPDATE roster_change_log SET last_sequence = last_sequence + 1 "
                            "WHERE id = 1 RETURNING last_sequence"));
  if (rows.empty()) return absl::InternalError("roster store: roster_change_log has no row");
  ASSIGN_OR_RETURN(const int64_t sequence, rows.front().Int64(0));
  change.set_sequence(sequence);
  periods::TimeToProto(now, change.mutable_commit_time());
  const std::string body = change.SerializeAsString();
  RETURN_IF_ERROR(tx.Execute("INSERT INTO roster_changes (sequence, commit_time_us, body) "
                             "VALUES ($1, $2, $3)",
                             {sequence, absl::ToUnixMicros(now), Param::Bytes(body)})
                      .status());
  return sequence;
}

rosterpb::RosterChange TeamChange(rosterpb::RosterChangeKind kind, const rosterpb::Team& team) {
  rosterpb::RosterChange change;
  change.set_kind(kind);
  change.set_team_id(team.id());
  *change.mutable_team() = team;
  return change;
}

rosterpb::RosterChange MemberChange(rosterpb::RosterChangeKind kind, const rosterpb::Member& member,
                                    std::optional<periods::Date> effective_date) {
  rosterpb::RosterChange change;
  change.set_kind(kind);
  change.set_member_id(member.id());
  if (effective_date.has_value()) {
    periods::DateToProto(*effective_date, change.mutable_effective_date());
  }
  *change.mutable_member() = member;
  return change;
}

}  // namespace

namespace {

// When `team`'s time zone or currency differ from its latest terms: they
// apply from `day` on (a new row, or the row of that day replaced), and the
// day is returned. FAILED_PRECONDITION when later terms are scheduled.
absl::StatusOr<std::optional<periods::Date>> ChangeTerms(Transaction& tx,
                                                         const rosterpb::Team& team,
                                                         periods::Date day) {
  ASSIGN_OR_RETURN(ResultSet latest,
                   tx.Query("SELECT effective_from, time_zone, currency_code FROM team_terms "
                            "WHERE team_id = $1 ORDER BY effective_from DESC LIMIT 1",
                            {team.id()}));
  if (latest.empty()) {
    return absl::InternalError(
        absl::StrCat("roster store: team ", QuoteInput(team.id()), " has no terms"));
  }
  ASSIGN_OR_RETURN(std::string latest_from, latest.front().Text(0));
  ASSIGN_OR_RETURN(std::string zone, latest.front().Text(1));
  ASSIGN_OR_RETURN(std::string currency, latest.front().Text(2));
  if (zone == team.time_zone() && currency == team.currency_code()) return std::nullopt;
  const std::string day_text = periods::FormatIsoDate(day);
  if (latest_from > day_text) {
    return absl::FailedPreconditionError(
        absl::StrCat("team ", QuoteInput(team.id()),
                     ": a change of time zone or currency is already "
                     "scheduled from ",
                     latest_from, ", after ", day_text, "; change that one instead"));
  }
  if (latest_from == day_text) {
    RETURN_IF_ERROR(tx.Execute("UPDATE team_terms SET time_zone = $3, currency_code = $4 "
                               "WHERE team_id = $1 AND effective_from = $2",
                               {team.id(), day_text, team.time_zone(), team.currency_code()})
                        .status());
  } else {
    RETURN_IF_ERROR(tx.Execute("INSERT INTO team_terms (team_id, effective_from, time_zone, "
                               "currency_code) VALUES ($1, $2, $3, $4)",
                               {team.id(), day_text, team.time_zone(), team.currency_code()})
                        .status());
  }
  return std::optional<periods::Date>(day);
}

}  // namespace

void RosterStore::Committed(CommittedChange change) const {
  if (on_change_) on_change_(change);
}

// ---- Teams ----

absl::Status RosterStore::InsertTeam(const rosterpb::Team& team,
                                     const ManagerCheck& check_manager) {
  const std::string settings = TeamSettings(team);
  const Param manager_id = team.manager_id().empty() ? Param() : Param(team.manager_id());
  ASSIGN_OR_RETURN(const int64_t create_us, ToMicros(team.create_time(), "team.create_time"));
  ASSIGN_OR_RETURN(const int64_t update_us, ToMicros(team.update_time(), "team.update_time"));
  int64_t sequence = 0;
  absl::Status status = db_->Transact(
      [&](Transaction& tx) -> absl::Status {
        RETURN_IF_ERROR(TakeTurnToWrite(tx));
        if (check_manager) {
          ASSIGN_OR_RETURN(std::optional<rosterpb::Member> manager,
                           ReadTeamManager(tx, team.manager_id()));
          RETURN_IF_ERROR(check_manager(manager));
        }
        RETURN_IF_ERROR(
            tx.Execute(absl::StrCat("INSERT INTO teams (", kTeamColumns,
                                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"),
                       {team.id(), team.name(), team.time_zone(), team.currency_code(),
                        static_cast<int64_t>(team.sales_model()), manager_id,
                        Param::Bytes(settings), team.version(), create_us, update_us})
                .status());
        RETURN_IF_ERROR(
            tx.Execute("INSERT INTO team_terms (team_id, effective_from, time_zone, "
                       "currency_code) VALUES ($1, $2, $3, $4)",
                       {team.id(), kFirstTermsDay, team.time_zone(), team.currency_code()})
                .status());
        rosterpb::Team created = team;
        RETURN_IF_ERROR(AttachTerms(tx, created));
        ASSIGN_OR_RETURN(
            sequence,
            AppendChange(tx, TeamChange(rosterpb::ROSTER_CHANGE_KIND_TEAM_CREATED, created),
                         absl::FromUnixMicros(create_us)));
        return absl::OkStatus();
      },
      kCheckedWrite);
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError(
        absl::StrCat("team ", QuoteInput(team.id()), " already exists"));
  }
  if (status.ok()) Committed({.sequence = sequence, .team_id = team.id()});
  return status;
}

absl::StatusOr<rosterpb::Team> RosterStore::GetTeam(absl::string_view team_id) {
  ASSIGN_OR_RETURN(
      ResultSet rows,
      db_->Query(absl::StrCat("SELECT ", kTeamColumns, " FROM teams WHERE id = $1"), {team_id}));
  if (rows.empty()) return TeamNotFound(team_id);
  ASSIGN_OR_RETURN(rosterpb::Team team, TeamFromRow(rows.front()));
  RETURN_IF_ERROR(AttachTerms(*db_, team));
  return team;
}

absl::StatusOr<rosterpb::Team> RosterStore::UpdateTeam(const rosterpb::Team& team,
                                                       int64_t expected_version, absl::Time now,
                                                       periods::Date from,
                                                       const TeamUpdateCheck& check,
                                                       std::optional<periods::Date> terms_from) {
  const std::string settings = TeamSettings(team);
  const Param manager_id = team.manager_id().empty() ? Param() : Param(team.manager_id());
  const std::string from_text = periods::FormatIsoDate(from);
  rosterpb::Team updated;
  int64_t sequence = 0;
  RETURN_IF_ERROR(db_->Transact(
      [&](Transaction& tx) -> absl::Status {
        RETURN_IF_ERROR(TakeTurnToWrite(tx));
        ASSIGN_OR_RETURN(
            ResultSet rows,
            tx.Query(absl::StrCat("UPDATE teams SET name = $3, time_zone = $4, currency_code = $5, "
                                  "sales_model = $6, manager_id = $7, settings = $8, "
                                  "version = version + 1, update_time_us = $9 "
                                  "WHERE id = $1 AND version = $2 RETURNING ",
                                  kTeamColumns),
                     {team.id(), expected_version, team.name(), team.time_zone(),
                      team.currency_code(), static_cast<int64_t>(team.sales_model()), manager_id,
                      Param::Bytes(settings), absl::ToUnixMicros(now)}));
        if (rows.empty()) return VersionConflict(tx, "teams", "team", team.id(), expected_version);
        ASSIGN_OR_RETURN(updated, TeamFromRow(rows.front()));
        ASSIGN_OR_RETURN(std::optional<periods::Date> terms_changed,
                         ChangeTerms(tx, team, terms_from.value_or(from)));
        RETURN_IF_ERROR(AttachTerms(tx, updated));
        rosterpb::RosterChange change =
            TeamChange(rosterpb::ROSTER_CHANGE_KIND_TEAM_UPDATED, updated);
        if (terms_changed.has_value()) {
          periods::DateToProto(*terms_changed, change.mutable_effective_date());
        }
        ASSIGN_OR_RETURN(sequence, AppendChange(tx, std::move(change), now));
        if (!check) return absl::OkStatus();
        ASSIGN_OR_RETURN(
            ResultSet assigned,
            tx.Query(
                "SELECT a.member_id, a.role FROM member_assignments a "
                "JOIN members m ON m.id = a.member_id "
                "WHERE a.team_id = $1 AND (a.effective_until IS NULL OR a.effective_until > $2) "
                "AND (m.deactivation_date IS NULL OR m.deactivation_date > $2) "
                "ORDER BY a.member_id, a.effective_from",
                {team.id(), from_text}));
        std::vector<TeamAssignment> assignments;
        for (const Row& row : assigned) {
          ASSIGN_OR_RETURN(std::string member, row.Text(0));
          ASSIGN_OR_RETURN(int64_t role, row.Int64(1));
          assignments.push_back({std::move(member), static_cast<rosterpb::MemberRole>(role)});
        }
        ASSIGN_OR_RETURN(std::optional<rosterpb::Member> manager,
                         ReadTeamManager(tx, team.manager_id()));
        return check(assignments, manager);
      },
      kCheckedWrite));
  Committed({.sequence = sequence, .team_id = team.id()});
  return updated;
}

absl::StatusOr<std::vector<rosterpb::Team>> RosterStore::ListTeams(
    const std::optional<std::vector<std::string>>& only_ids, absl::string_view after_id,
    int limit) {
  if (limit <= 0) return std::vector<rosterpb::Team>();
  if (!only_ids.has_value()) {
    ASSIGN_OR_RETURN(ResultSet rows,
                     db_->Query(absl::StrCat("SELECT ", kTeamColumns,
                                             " FROM teams WHERE id > $1 ORDER BY id LIMIT $2"),
                                {after_id, limit}));
    ASSIGN_OR_RETURN(std::vector<rosterpb::Team> teams, TeamsFromRows(rows));
    RETURN_IF_ERROR(AttachTerms(*db_, teams));
    return teams;
  }
  // The allowed ids after the cursor, in order, looked up a chunk at a time
  // until the page is full.
  std::vector<absl::string_view> ids = UniqueIds(*only_ids);
  ids.erase(
      std::remove_if(ids.begin(), ids.end(), [&](absl::string_view id) { return id <= after_id; }),
      ids.end());
  std::sort(ids.begin(), ids.end());
  std::vector<rosterpb::Team> teams;
  for (size_t start = 0; start < ids.size() && teams.size() < static_cast<size_t>(limit);
       start += kMaxInList) {
    std::vector<Param> params;
    const std::string in_list =
        AppendInList(absl::MakeConstSpan(ids).subspan(start, kMaxInList), params);
    params.emplace_back(limit - static_cast<int64_t>(teams.size()));
    ASSIGN_OR_RETURN(ResultSet rows,
                     db_->Query(absl::StrCat("SELECT ", kTeamColumns, " FROM teams WHERE id IN ",
                                             in_list, " ORDER BY id LIMIT $", params.size()),
                                params));
    ASSIGN_OR_RETURN(std::vector<rosterpb::Team> chunk, TeamsFromRows(rows));
    std::move(chunk.begin(), chunk.end(), std::back_inserter(teams));
  }
  RETURN_IF_ERROR(AttachTerms(*db_, teams));
  return teams;
}

// ---- Members ----

absl::Status RosterStore::InsertMember(const rosterpb::Member& member,
                                       const TeamCheck& check_team) {
  if (member.assignments_size() != 1) {
    return absl::InternalError(
        absl::StrCat("roster store: a new member needs exactly one assignment (got ",
                     member.assignments_size(), ")"));
  }
  const rosterpb::Assignment& assignment = member.assignments(0);
  ASSIGN_OR_RETURN(periods::Date hire_date,
                   periods::DateFromProto(member.hire_date(), "member.hire_date"));
  const std::string hire_text = periods::FormatIsoDate(hire_date);
  const std::string email_key = EmailKey(member.email());
  const std::string profile = MemberProfile(member);
  ASSIGN_OR_RETURN(const int64_t create_us, ToMicros(member.create_time(), "member.create_time"));
  ASSIGN_OR_RETURN(const int64_t update_us, ToMicros(member.update_time(), "member.update_time"));
  int64_t sequence = 0;
  absl::Status status = db_->Transact(
      [&](Transaction& tx) -> absl::Status {
        RETURN_IF_ERROR(TakeTurnToWrite(tx));
        RETURN_IF_ERROR(CheckEmailFree(tx, member.email(), member.id()));
        ASSIGN_OR_RETURN(rosterpb::Team team, ReadTeam(tx, assignment.team_id()));
        if (check_team) RETURN_IF_ERROR(check_team(team));
        RETURN_IF_ERROR(
            tx.Execute("INSERT INTO members (id, email_key, name, email, profile, hire_date, "
                       "deactivation_date, version, create_time_us, update_time_us) "
                       "VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, $9)",
                       {member.id(), email_key, member.name(), member.email(),
                        Param::Bytes(profile), hire_text, member.version(), create_us, update_us})
                .status());
        // The first assignment starts on the hire date, whatever the caller put
        // in effective_from: UpdateMemberProfile keeps the two together.
        RETURN_IF_ERROR(tx.Execute("INSERT INTO member_assignments (member_id, effective_from, "
                                   "effective_until, team_id, role) VALUES ($1, $2, NULL, $3, $4)",
                                   {member.id(), hire_text, assignment.team_id(),
                                    static_cast<int64_t>(assignment.role())})
                            .status());
        ASSIGN_OR_RETURN(rosterpb::Member stored, ReadMember(tx, member.id()));
        ASSIGN_OR_RETURN(
            sequence,
            AppendChange(
                tx, MemberChange(rosterpb::ROSTER_CHANGE_KIND_MEMBER_CREATED, stored, hire_date),
                absl::FromUnixMicros(create_us)));
        return absl::OkStatus();
      },
      kCheckedWrite);
  if (status.ok()) Committed({.sequence = sequence, .member_id = member.id()});
  return ExplainMemberConflict(*db_, std::move(status), member.email(), member.id());
}

absl::StatusOr<rosterpb::Member> RosterStore::GetMember(absl::string_view member_id) {
  return ReadMember(*db_, member_id);
}

absl::StatusOr<std::vector<rosterpb::Member>> RosterStore::GetMembers(
    absl::Span<const std::string> member_ids) {
  const std::vector<absl::string_view> ids = UniqueIds(member_ids);
  std::vector<rosterpb::Member> members;
  members.reserve(ids.size());
  for (size_t start = 0; start < ids.size(); start += kMaxInList) {
    std::vector<Param> params;
    const std::string in_list =
        AppendInList(absl::MakeConstSpan(ids).subspan(start, kMaxInList), params);
    ASSIGN_OR_RETURN(ResultSet rows, db_->Query(absl::StrCat(kMemberWithHistory, "WHERE m.id IN ",
                                                             in_list, kMemberOrder),
                                                params));
    ASSIGN_OR_RETURN(std::vector<rosterpb::Member> chunk, MembersFromRows(rows));
    std::move(chunk.begin(), chunk.end(), std::back_inserter(members));
  }
  return members;
}

absl::StatusOr<std::optional<rosterpb::Member>> RosterStore::FindMemberByEmail(
    absl::string_view email) {
  const std::string key = EmailKey(email);
  ASSIGN_OR_RETURN(
      ResultSet rows,
      db_->Query(absl::StrCat(kMemberWithHistory, "WHERE m.email_key = $1", kMemberOrder), {key}));
  ASSIGN_OR_RETURN(std::vector<rosterpb::Member> members, MembersFromRows(rows));
  if (members.empty()) return std::nullopt;
  return std::move(members.front());
}

absl::StatusOr<rosterpb::Member> RosterStore::UpdateMemberProfile(const rosterpb::Member& member,
                                                                  int64_t expected_version,
                                                                  absl::Time now) {
  ASSIGN_OR_RETURN(periods::Date hire_date,
                   periods::DateFromProto(member.hire_date(), "member.hire_date"));
  const std::string hire_text = periods::FormatIsoDate(hire_date);
  const std::string email_key = EmailKey(member.email());
  const std::string profile = MemberProfile(member);
  const int64_t now_us = absl::ToUnixMicros(now);
  rosterpb::Member updated;
  int64_t sequence = 0;
  absl::Status status = db_->Transact([&](Transaction& tx) -> absl::Status {
    RETURN_IF_ERROR(TakeTurnToWrite(tx));
    ASSIGN_OR_RETURN(MemberState state, ReadMemberState(tx, member.id(), expected_version));
    RETURN_IF_ERROR(CheckEmailFree(tx, member.email(), member.id()));
    // The first assignment starts on the hire date, so moving the one moves
    // the other, as long as the first assignment still starts before the
    // second and the member is hired before being deactivated.
    std::optional<std::string> old_first_start;
    if (hire_date != state.hire_date) {
      ASSIGN_OR_RETURN(std::vector<periods::Date> starts,
                       AssignmentStarts(tx, member.id(), /*newest_first=*/false, 2));
      if (starts.empty()) {
        return absl::InternalError(
            absl::StrCat("roster store: member ", QuoteInput(member.id()), " has no assignment"));
      }
      if (starts.size() > 1 && hire_date >= starts[1]) {
        return absl::FailedPreconditionError(absl::StrCat(
            "member ", QuoteInput(member.id()), ": hire_date ", periods::FormatIsoDate(hire_date),
            " is on or after the start of the member's second assignment (",
            periods::FormatIsoDate(starts[1]), ")"));
      }
      if (state.deactivation_date.has_value() && hire_date >= *state.deactivation_date) {
        return absl::FailedPreconditionError(absl::StrCat(
            "member ", QuoteInput(member.id()), ": hire_date ", periods::FormatIsoDate(hire_date),
            " is on or after the deactivation date (",
            periods::FormatIsoDate(*state.deactivation_date), ")"));
      }
      old_first_start = periods::FormatIsoDate(starts[0]);
    }
    ASSIGN_OR_RETURN(int64_t changed,
                     tx.Execute("UPDATE members SET name = $3, email = $4, email_key = $5, "
                                "profile = $6, hire_date = $7, version = version + 1, "
                                "update_time_us = $8 WHERE id = $1 AND version = $2",
                                {member.id(), expected_version, member.name(), member.email(),
                                 email_key, Param::Bytes(profile), hire_text, now_us}));
    if (changed == 0) {
      return VersionConflict(tx, "members", "member", member.id(), expected_version);
    }
    if (old_first_start.has_value()) {
      RETURN_IF_ERROR(tx.Execute("UPDATE member_assignments SET effective_from = $3 "
                                 "WHERE member_id = $1 AND effective_from = $2",
                                 {member.id(), *old_first_start, hire_text})
                          .status());
    }
    ASSIGN_OR_RETURN(updated, ReadMember(tx, member.id()));
    // A new hire date changes who was active from the earlier of the two.
    std::optional<periods::Date> effective;
    if (hire_date != state.hire_date) effective = std::min(hire_date, state.hire_date);
    ASSIGN_OR_RETURN(
        sequence,
        AppendChange(tx,
                     MemberChange(rosterpb::ROSTER_CHANGE_KIND_MEMBER_UPDATED, updated, effective),
                     now));
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(ExplainMemberConflict(*db_, std::move(status), member.email(), member.id()));
  Committed({.sequence = sequence, .member_id = member.id()});
  return updated;
}

absl::StatusOr<rosterpb::Member> RosterStore::MoveMember(
    absl::string_view member_id, int64_t expected_version, absl::string_view team_id,
    rosterpb::MemberRole role, periods::Date effective_date, absl::Time now,
    const TeamCheck& check_team, const TeamsCheck& check_managed) {
  const std::string effective_text = periods::FormatIsoDate(effective_date);
  const int64_t role_value = static_cast<int64_t>(role);
  const int64_t now_us = absl::ToUnixMicros(now);
  rosterpb::Member moved;
  int64_t sequence = 0;
  RETURN_IF_ERROR(db_->Transact(
      [&](Transaction& tx) -> absl::Status {
        RETURN_IF_ERROR(TakeTurnToWrite(tx));
        ASSIGN_OR_RETURN(MemberState state, ReadMemberState(tx, member_id, expected_version));
        ASSIGN_OR_RETURN(std::vector<periods::Date> latest,
                         AssignmentStarts(tx, member_id, /*newest_first=*/true, 1));
        if (latest.empty()) {
          return absl::InternalError(
              absl::StrCat("roster store: member ", QuoteInput(member_id), " has no assignment"));
        }
        const periods::Date latest_start = latest.front();
        if (effective_date < latest_start) {
          return absl::FailedPreconditionError(
              absl::StrCat("member ", QuoteInput(member_id), ": effective_date ", effective_text,
                           " is before the start of the latest assignment (",
                           periods::FormatIsoDate(latest_start), ")"));
        }
        if (state.deactivation_date.has_value() && *state.deactivation_date <= effective_date) {
          return absl::FailedPreconditionError(
              absl::StrCat("member ", QuoteInput(member_id), " is deactivated from ",
                           periods::FormatIsoDate(*state.deactivation_date),
                           ", on or before effective_date ", effective_text));
        }
        ASSIGN_OR_RETURN(rosterpb::Team team, ReadTeam(tx, team_id));
        if (check_team) RETURN_IF_ERROR(check_team(team));
        if (check_managed) {
          ASSIGN_OR_RETURN(std::vector<rosterpb::Team> managed, ReadTeamsManagedBy(tx, member_id));
          RETURN_IF_ERROR(check_managed(managed));
        }
        ASSIGN_OR_RETURN(int64_t changed,
                         tx.Execute("UPDATE members SET version = version + 1, update_time_us = $3 "
                                    "WHERE id = $1 AND version = $2",
                                    {member_id, expected_version, now_us}));
        if (changed == 0)
          return VersionConflict(tx, "members", "member", member_id, expected_version);
        const std::string latest_text = periods::FormatIsoDate(latest_start);
        if (latest_start == effective_date) {
          // A scheduled move replaced before it starts (the service refuses this
          // for an assignment that has begun): nothing held under it for a day.
          RETURN_IF_ERROR(tx.Execute("UPDATE member_assignments SET team_id = $3, role = $4 "
                                     "WHERE member_id = $1 AND effective_from = $2",
                                     {member_id, latest_text, team_id, role_value})
                              .status());
        } else {
          RETURN_IF_ERROR(tx.Execute("UPDATE member_assignments SET effective_until = $3 "
                                     "WHERE member_id = $1 AND effective_from = $2",
                                     {member_id, latest_text, effective_text})
                              .status());
          RETURN_IF_ERROR(
              tx.Execute("INSERT INTO member_assignments (member_id, effective_from, "
                         "effective_until, team_id, role) VALUES ($1, $2, NULL, $3, $4)",
                         {member_id, effective_text, team_id, role_value})
                  .status());
        }
        ASSIGN_OR_RETURN(moved, ReadMember(tx, member_id));
        ASSIGN_OR_RETURN(
            sequence,
            AppendChange(
                tx, MemberChange(rosterpb::ROSTER_CHANGE_KIND_MEMBER_MOVED, moved, effective_date),
                now));
        return absl::OkStatus();
      },
      kCheckedWrite));
  Committed({.sequence = sequence, .member_id = std::string(member_id)});
  return moved;
}

absl::StatusOr<rosterpb::Member> RosterStore::DeactivateMember(absl::string_view member_id,
                                                               int64_t expected_version,
                                                               periods::Date effective_date,
                                                               absl::Time now,
                                                               const TeamsCheck& check_managed) {
  const std::string effective_text = periods::FormatIsoDate(effective_date);
  const int64_t now_us = absl::ToUnixMicros(now);
  rosterpb::Member deactivated;
  int64_t sequence = 0;
  RETURN_IF_ERROR(db_->Transact(
      [&](Transaction& tx) -> absl::Status {
        RETURN_IF_ERROR(TakeTurnToWrite(tx));
        ASSIGN_OR_RETURN(MemberState state, ReadMemberState(tx, member_id, expected_version));
        if (state.deactivation_date.has_value()) {
          return absl::FailedPreconditionError(
              absl::StrCat("member ", QuoteInput(member_id), " is already deactivated (from ",
                           periods::FormatIsoDate(*state.deactivation_date), ")"));
        }
        if (effective_date < state.hire_date) {
          return absl::FailedPreconditionError(absl::StrCat(
              "member ", QuoteInput(member_id), ": effective_date ", effective_text,
              " is before the hire date (", periods::FormatIsoDate(state.hire_date), ")"));
        }
        if (check_managed) {
          ASSIGN_OR_RETURN(std::vector<rosterpb::Team> managed, ReadTeamsManagedBy(tx, member_id));
          RETURN_IF_ERROR(check_managed(managed));
        }
        ASSIGN_OR_RETURN(int64_t changed,
                         tx.Execute("UPDATE members SET deactivation_date = $3, "
                                    "version = version + 1, update_time_us = $4 "
                                    "WHERE id = $1 AND version = $2",
                                    {member_id, expected_version, effective_text, now_us}));
        if (changed == 0)
          return VersionConflict(tx, "members", "member", member_id, expected_version);
        ASSIGN_OR_RETURN(deactivated, ReadMember(tx, member_id));
        ASSIGN_OR_RETURN(sequence,
                         AppendChange(tx,
                                      MemberChange(rosterpb::ROSTER_CHANGE_KIND_MEMBER_DEACTIVATED,
                                                   deactivated, effective_date),
                                      now));
        return absl::OkStatus();
      },
      kCheckedWrite));
  Committed({.sequence = sequence, .member_id = std::string(member_id)});
  return deactivated;
}

absl::StatusOr<std::vector<rosterpb::Member>> RosterStore::ListMembers(const MemberFilter& filter,
                                                                       absl::string_view after_id,
                                                                       int limit) {
  if (limit <= 0) return std::vector<rosterpb::Member>();
  const std::string as_of = periods::FormatIsoDate(filter.as_of);
  const int64_t role_value = static_cast<int64_t>(filter.role);
  std::vector<Param> params = {as_of, after_id, limit};
  // The page is chosen in a subquery (members whose assignment covers as_of)
  // and joined to the page's whole histories, so that one statement answers.
  std::string page =
      "SELECT m.id, m.name, m.email, m.profile, m.hire_date, m.deactivation_date, m.version, "
      "m.create_time_us, m.update_time_us "
      "FROM members m JOIN member_assignments a ON a.member_id = m.id "
      "WHERE a.effective_from <= $1 AND (a.effective_until IS NULL OR a.effective_until > $1) "
      "AND m.id > $2";
  if (!filter.team_id.empty()) {
    params.emplace_back(filter.team_id);
    absl::StrAppend(&page, " AND a.team_id = $", params.size());
  }
  if (filter.role != rosterpb::MEMBER_ROLE_UNSPECIFIED) {
    params.emplace_back(role_value);
    absl::StrAppend(&page, " AND a.role = $", params.size());
  }
  if (!filter.include_inactive) {
    absl::StrAppend(&page,
                    " AND m.hire_date <= $1 AND (m.deactivation_date IS NULL OR "
                    "m.deactivation_date > $1)");
  }
  absl::StrAppend(&page, " ORDER BY m.id LIMIT $3");
  const std::string sql = absl::StrCat(
      "SELECT p.id, p.name, p.email, p.profile, p.hire_date, p.deactivation_date, p.version, "
      "p.create_time_us, p.update_time_us, h.team_id, h.role, h.effective_from, h.effective_until "
      "FROM (",
      page,
      ") p LEFT JOIN member_assignments h ON h.member_id = p.id "
      "ORDER BY p.id, h.effective_from");
  ASSIGN_OR_RETURN(ResultSet rows, db_->Query(sql, params));
  return MembersFromRows(rows);
}

// ---- Training ----

absl::Status RosterStore::InsertTrainingSession(const rosterpb::TrainingSession& session) {
  ASSIGN_OR_RETURN(periods::Date date, periods::DateFromProto(session.date(), "session.date"));
  const std::string date_text = periods::FormatIsoDate(date);
  ASSIGN_OR_RETURN(const int64_t create_us, ToMicros(session.create_time(), "session.create_time"));
  absl::StatusOr<int64_t> inserted = db_->Execute(
      "INSERT INTO training_sessions (id, member_id, area, session_date, hours, note, "
      "recorded_by, create_time_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {session.id(), session.member_id(), static_cast<int64_t>(session.area()), date_text,
       session.hours(), session.note(), session.recorded_by(), create_us});
  switch (inserted.status().code()) {
    case absl::StatusCode::kFailedPrecondition:  // the member_id foreign key
      return absl::FailedPreconditionError(
          absl::StrCat("member ", QuoteInput(session.member_id()), " does not exist"));
    case absl::StatusCode::kAlreadyExists:
      return absl::AlreadyExistsError(
          absl::StrCat("training session ", QuoteInput(session.id()), " already exists"));
    default:
      return inserted.status();
  }
}

absl::StatusOr<std::vector<rosterpb::TrainingSession>> RosterStore::ListTrainingSessions(
    const TrainingFilter& filter, const std::optional<TrainingCursor>& after, int limit) {
  if (filter.member_id.empty() == filter.team_id.empty()) {
    return absl::InternalError(
        "roster store: a training listing needs exactly one of member_id and team_id");
  }
  if (limit <= 0) return std::vector<rosterpb::TrainingSession>();
  const std::string as_of = periods::FormatIsoDate(filter.as_of);
  const int64_t area_value = static_cast<int64_t>(filter.area);
  const std::string after_date = after.has_value() ? periods::FormatIsoDate(after->date) : "";
  std::vector<Param> params;
  std::string sql = absl::StrCat("SELECT ", kSessionColumns, " FROM training_sessions s");
  if (!filter.member_id.empty()) {
    params.emplace_back(filter.member_id);
    absl::StrAppend(&sql, " WHERE s.member_id = $1");
  } else {
    params.emplace_back(filter.team_id);
    params.emplace_back(as_of);
    absl::StrAppend(&sql,
                    " JOIN member_assignments a ON a.member_id = s.member_id "
                    "WHERE a.team_id = $1 AND a.effective_from <= $2 "
                    "AND (a.effective_until IS NULL OR a.effective_until > $2)");
  }
  if (filter.area != rosterpb::TRAINING_AREA_UNSPECIFIED) {
    params.emplace_back(area_value);
    absl::StrAppend(&sql, " AND s.area = $", params.size());
  }
  if (after.has_value()) {
    params.emplace_back(after_date);
    params.emplace_back(after->id);
    const size_t date_param = params.size() - 1;
    const size_t id_param = params.size();
    absl::StrAppend(&sql, " AND (s.session_date < $", date_param, " OR (s.session_date = $",
                    date_param, " AND s.id < $", id_param, "))");
  }
  params.emplace_back(limit);
  absl::StrAppend(&sql, " ORDER BY s.session_date DESC, s.id DESC LIMIT $", params.size());
  ASSIGN_OR_RETURN(ResultSet rows, db_->Query(sql, params));
  std::vector<rosterpb::TrainingSession> sessions;
  sessions.reserve(rows.size());
  for (Row row : rows) {
    ASSIGN_OR_RETURN(rosterpb::TrainingSession session, SessionFromRow(row));
    sessions.push_back(std::move(session));
  }
  return sessions;
}

absl::StatusOr<std::vector<LastTraining>> RosterStore::LastTrainingPerArea(
    absl::Span<const std::string> member_ids, periods::Date as_of) {
  const std::vector<absl::string_view> ids = UniqueIds(member_ids);
  const std::string as_of_text = periods::FormatIsoDate(as_of);
  std::vector<LastTraining> last;
  for (size_t start = 0; start < ids.size(); start += kMaxInList) {
    std::vector<Param> params = {as_of_text};
    const std::string in_list =
        AppendInList(absl::MakeConstSpan(ids).subspan(start, kMaxInList), params);
    ASSIGN_OR_RETURN(
        ResultSet rows,
        db_->Query(absl::StrCat("SELECT member_id, area, MAX(session_date) FROM training_sessions "
                                "WHERE session_date <= $1 AND member_id IN ",
                                in_list, " GROUP BY member_id, area ORDER BY member_id, area"),
                   params));
    for (Row row : rows) {
      LastTraining& entry = last.emplace_back();
      ASSIGN_OR_RETURN(entry.member_id, row.Text(0));
      ASSIGN_OR_RETURN(int64_t area, row.Int64(1));
      entry.area = static_cast<rosterpb::TrainingArea>(area);
      ASSIGN_OR_RETURN(entry.date, StoredDate(row, 2, "training_sessions.session_date"));
    }
  }
  return last;
}

}  // namespace salesteam::roster

namespace salesteam::roster {

// ---- Change feed ----

absl::StatusOr<ChangePage> RosterStore::ReadChanges(int64_t after_sequence, int limit) {
  ChangePage page;
  RETURN_IF_ERROR(db_->Transact(
      [&](Transaction& tx) -> absl::Status {
        page.changes.clear();
        ASSIGN_OR_RETURN(
            ResultSet log,
            tx.Query("SELECT last_sequence, pruned_through FROM roster_change_log WHERE id = 1"));
        if (log.empty()) return absl::InternalError("roster store: roster_change_log has no row");
        ASSIGN_OR_RETURN(page.last_sequence, log.front().Int64(0));
        ASSIGN_OR_RETURN(page.pruned_through, log.front().Int64(1));
        if (after_sequence < page.pruned_through || after_sequence >= page.last_sequence) {
          return absl::OkStatus();
        }
        ASSIGN_OR_RETURN(ResultSet rows,
                         tx.Query("SELECT sequence, body FROM roster_changes WHERE sequence > $1 "
                                  "ORDER BY sequence LIMIT $2",
                                  {after_sequence, static_cast<int64_t>(limit)}));
        for (const Row& row : rows) {
          ASSIGN_OR_RETURN(const int64_t sequence, row.Int64(0));
          ASSIGN_OR_RETURN(const std::string body, row.Bytes(1));
          rosterpb::RosterChange& change = page.changes.emplace_back();
          if (!change.ParseFromString(body) || change.sequence() != sequence) {
            return absl::DataLossError(
                absl::StrCat("roster store: change ", sequence, " does not parse"));
          }
        }
        return absl::OkStatus();
      },
      {.read_only = true, .isolation = store::Isolation::kSerializable}));
  return page;
}

absl::StatusOr<int64_t> RosterStore::LastSequence() {
  ASSIGN_OR_RETURN(ResultSet rows,
                   db_->Query("SELECT last_sequence FROM roster_change_log WHERE id = 1"));
  if (rows.empty()) return absl::InternalError("roster store: roster_change_log has no row");
  return rows.front().Int64(0);
}

absl::StatusOr<std::string> RosterStore::FeedId(absl::string_view proposed) {
  RETURN_IF_ERROR(db_->Execute("UPDATE roster_change_log SET feed_id = $1 "
                               "WHERE id = 1 AND feed_id = ''",
                               {proposed})
                      .status());
  ASSIGN_OR_RETURN(ResultSet rows,
                   db_->Query("SELECT feed_id FROM roster_change_log WHERE id = 1"));
  if (rows.empty()) return absl::InternalError("roster store: roster_change_log has no row");
  return rows.front().Text(0);
}

absl::StatusOr<int64_t> RosterStore::PruneChanges(absl::Time cutoff) {
  int64_t pruned_through = 0;
  RETURN_IF_ERROR(db_->Transact([&](Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(ResultSet newest,
                     tx.Query("SELECT MAX(sequence) FROM roster_changes WHERE commit_time_us < $1",
                              {absl::ToUnixMicros(cutoff)}));
    ASSIGN_OR_RETURN(ResultSet log,
                     tx.Query("SELECT pruned_through FROM roster_change_log WHERE id = 1"));
    if (log.empty()) return absl::InternalError("roster store: roster_change_log has no row");
    ASSIGN_OR_RETURN(pruned_through, log.front().Int64(0));
    if (newest.empty() || newest.front().IsNull(0)) return absl::OkStatus();
    ASSIGN_OR_RETURN(const int64_t through, newest.front().Int64(0));
    if (through <= pruned_through) return absl::OkStatus();
    RETURN_IF_ERROR(
        tx.Execute("DELETE FROM roster_changes WHERE sequence <= $1", {through}).status());
    RETURN_IF_ERROR(
        tx.Execute("UPDATE roster_change_log SET pruned_through = $1 WHERE id = 1", {through})
            .status());
    pruned_through = through;
    return absl::OkStatus();
  }));
  return pruned_through;
}

}  // namespace salesteam::roster
