// What salesctl's roster commands (roster_teams.cc, roster_members.cc,
// roster_training.cc) share: their flags, the words they accept and print for
// the proto's enums ("account-executive" for MEMBER_ROLE_ACCOUNT_EXECUTIVE),
// the list syntaxes of the command line (--skills=prospecting:5,closing:3),
// the call and paging helpers, and how teams, members and tables are printed.
//
// Conventions of every roster command:
//   - The object a command is about is its positional argument (team-get
//     TEAM_ID); filters and fields are flags.
//   - Flags are process-wide, so each command says which roster flags it
//     takes (CheckOnlyFlags) and refuses the others instead of ignoring them:
//     `member-update --member_role=...` is a usage error, not a silent no-op.
//   - Fields are optional flags: present means "set this", which for updates
//     also makes the update_mask. `none` clears a list or the manager.
//   - --json prints the RPC's response message (proto3 JSON, field names as
//     in the proto); list commands that page through everything print one
//     response holding every item and no next_page_token.
//   - Usage errors exit 2 naming the flag; RPC errors print the gRPC code and
//     the server's message and exit 1 (commands.h).
#ifndef SALESTEAM_TOOLS_SALESCTL_ROSTER_CLI_H_
#define SALESTEAM_TOOLS_SALESCTL_ROSTER_CLI_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/client_context.h"
#include "salesteam/roster/v1/roster.grpc.pb.h"
#include "salesteam/type/v1/date.pb.h"

#include "common/status.h"
#include "tools/salesctl/client.h"
#include "tools/salesctl/commands.h"

// Shared by several roster commands.
ABSL_DECLARE_FLAG(std::optional<std::string>, name);
ABSL_DECLARE_FLAG(std::optional<std::string>, team);
ABSL_DECLARE_FLAG(std::optional<std::string>, member);
ABSL_DECLARE_FLAG(std::optional<std::string>, as_of);
ABSL_DECLARE_FLAG(std::optional<std::string>, effective_date);
ABSL_DECLARE_FLAG(std::optional<int64_t>, expected_version);
ABSL_DECLARE_FLAG(std::optional<int32_t>, page_size);
ABSL_DECLARE_FLAG(std::optional<std::string>, page_token);
// Teams.
ABSL_DECLARE_FLAG(std::optional<std::string>, time_zone);
ABSL_DECLARE_FLAG(std::optional<std::string>, currency);
ABSL_DECLARE_FLAG(std::optional<std::string>, model);
ABSL_DECLARE_FLAG(std::optional<std::string>, manager);
ABSL_DECLARE_FLAG(std::optional<int32_t>, min_attainment_bps);
ABSL_DECLARE_FLAG(std::optional<int32_t>, consecutive_periods);
ABSL_DECLARE_FLAG(std::optional<std::string>, cadence);
ABSL_DECLARE_FLAG(std::optional<std::string>, stages);
// Members.
ABSL_DECLARE_FLAG(std::optional<std::string>, email);
ABSL_DECLARE_FLAG(std::optional<std::string>, member_role);
ABSL_DECLARE_FLAG(std::optional<std::string>, archetype);
ABSL_DECLARE_FLAG(std::optional<int32_t>, value_tier);
ABSL_DECLARE_FLAG(std::optional<std::string>, skills);
ABSL_DECLARE_FLAG(std::optional<std::string>, motivators);
ABSL_DECLARE_FLAG(std::optional<std::string>, channels);
ABSL_DECLARE_FLAG(std::optional<std::string>, hire_date);
ABSL_DECLARE_FLAG(bool, include_inactive);
// Training.
ABSL_DECLARE_FLAG(std::optional<std::string>, area);
ABSL_DECLARE_FLAG(std::optional<std::string>, date);
ABSL_DECLARE_FLAG(std::optional<double>, hours);
ABSL_DECLARE_FLAG(std::optional<std::string>, note);

namespace salesteam::salesctl::roster_cli {

namespace rosterpb = ::salesteam::roster::v1;

// The largest page the roster serves; list commands page with it.
inline constexpr int32_t kMaxPageSize = 500;

// ---- Enum words ----

// The word for enum value `number` of `type`: its name without the type's
// prefix, lower case, '-' for '_' (MEMBER_ROLE_ACCOUNT_EXECUTIVE:
// "account-executive"). A number this salesctl does not know prints as is.
std::string EnumWord(const google::protobuf::EnumDescriptor& type, int number);

// The value `text` names: its word, in any case, with '-' or '_', or the full
// proto name (ACCOUNT-EXECUTIVE, account_executive,
// MEMBER_ROLE_ACCOUNT_EXECUTIVE). The UNSPECIFIED value only when
// `allow_unspecified`. INVALID_ARGUMENT naming `flag` and listing the words.
absl::StatusOr<int> ParseEnumWord(const google::protobuf::EnumDescriptor& type,
                                  absl::string_view text, absl::string_view flag,
                                  bool allow_unspecified = false);

template <typename E>
std::string Word(E value) {
  return EnumWord(*google::protobuf::GetEnumDescriptor<E>(), static_cast<int>(value));
}

template <typename E>
absl::StatusOr<E> ParseWord(absl::string_view text, absl::string_view flag,
                            bool allow_unspecified = false) {
  ASSIGN_OR_RETURN(int number, ParseEnumWord(*google::protobuf::GetEnumDescriptor<E>(), text, flag,
                                             allow_unspecified));
  return static_cast<E>(number);
}

// ---- Dates and times ----

// "YYYY-MM-DD" as a proto date; INVALID_ARGUMENT naming `flag`.
absl::StatusOr<salesteam::type::v1::Date> ParseDate(absl::string_view text, absl::string_view flag);
// "2026-03-01"; "-" for an unset (all-zero) date.
std::string FormatDate(const salesteam::type::v1::Date& date);
// Today in UTC, the day the roster assumes when a request leaves it out.
salesteam::type::v1::Date TodayUtc();
// RFC 3339 in UTC, to the second: "2026-03-01T09:30:00Z"; "-" when unset.
std::string FormatTimestamp(const google::protobuf::Timestamp& time);

// ---- List syntaxes ----
// Items are separated by ',' (spaces around them are ignored); "none" is the
// empty list, for clearing a field in an update.

// prospecting:5,closing:3
absl::StatusOr<std::vector<rosterpb::SkillLevel>> ParseSkills(absl::string_view text);
// money,growth (most important first)
absl::StatusOr<std::vector<rosterpb::Motivator>> ParseMotivators(absl::string_view text);
// email:ada@example.com:preferred,phone:+49 30 1234567,slack:@ada: KIND:ADDRESS
// with an optional ":preferred" at the end; the address may hold ':'.
absl::StatusOr<std::vector<rosterpb::ContactChannel>> ParseChannels(absl::string_view text);
// product-knowledge:30,prospecting:14: AREA:MAX_DAYS_BETWEEN_SESSIONS
absl::StatusOr<std::vector<rosterpb::TrainingCadence>> ParseCadence(absl::string_view text);
// lead-generation:lead-generation,qualification:sales-development,...: STAGE:ROLE
absl::StatusOr<std::vector<rosterpb::StageOwnership>> ParseStages(absl::string_view text);

// "prospecting:5, closing:3", "-" when empty: the syntax --skills takes.
std::string FormatSkills(const google::protobuf::RepeatedPtrField<rosterpb::SkillLevel>& skills);
// "money, growth", "-" when empty.
std::string FormatMotivators(const google::protobuf::RepeatedField<int>& motivators);
// "90%" for 9000 basis points, "92.5%" for 9250.
std::string FormatBasisPoints(int64_t bps);

// ---- The command line ----

// INVALID_ARGUMENT naming the first roster flag that is set but not in
// `allowed` (flag names without "--").
absl::Status CheckOnlyFlags(absl::Span<const absl::string_view> allowed);

// INVALID_ARGUMENT "--<flag> is required" for the first roster flag of
// `required` that is not set.
absl::Status RequireFlags(absl::Span<const absl::string_view> required);

// The one positional argument, named `what` in the message when it is
// missing or followed by others.
absl::StatusOr<std::string> OneArgument(const std::vector<std::string>& args,
                                        absl::string_view what);

// Prints "salesctl <command>: <message>" on stderr and returns kExitUsage.
int UsageError(absl::string_view command, const absl::Status& status);

// A required optional flag's value; INVALID_ARGUMENT "--<flag> is required".
template <typename T>
absl::StatusOr<T> Required(const std::optional<T>& value, absl::string_view flag) {
  if (!value.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " is required"));
  }
  return *value;
}

// ---- Calls ----

// A connection to the roster at --roster_address.
class RosterConnection {
 public:
  static absl::StatusOr<RosterConnection> Open();

  // Calls `rpc(stub, context)` with the deadline and token set (PrepareCall)
  // and returns what it answered: `rpc` is e.g.
  //   [&](auto& stub, auto* context) { return stub.GetTeam(context, request, &response); }
  absl::Status Call(
      absl::FunctionRef<grpc::Status(rosterpb::RosterService::Stub&, grpc::ClientContext*)> rpc);

 private:
  explicit RosterConnection(std::unique_ptr<rosterpb::RosterService::Stub> stub)
      : stub_(std::move(stub)) {}
  std::shared_ptr<rosterpb::RosterService::Stub> stub_;
};

// Runs a List RPC. With --page_size or --page_token: that one page, as the
// server answered it (next_page_token included). Otherwise every page, at
// kMaxPageSize each, merged into one response without a next_page_token.
template <typename Request, typename Response>
absl::StatusOr<Response> ListPages(
    Request request, absl::FunctionRef<absl::Status(const Request&, Response*)> call) {
  const std::optional<int32_t> page_size = absl::GetFlag(FLAGS_page_size);
  const std::optional<std::string> page_token = absl::GetFlag(FLAGS_page_token);
  if (page_size.has_value() || page_token.has_value()) {
    request.set_page_size(page_size.value_or(0));
    request.set_page_token(page_token.value_or(""));
    Response page;
    RETURN_IF_ERROR(call(request, &page));
    return page;
  }
  request.set_page_size(kMaxPageSize);
  Response all;
  while (true) {
    Response page;
    RETURN_IF_ERROR(call(request, &page));
    std::string next = page.next_page_token();
    all.MergeFrom(page);
    if (next.empty()) break;
    if (next == request.page_token()) {
      // A server bug would otherwise make salesctl loop for ever.
      return absl::InternalError("the server answered the same page token twice");
    }
    request.set_page_token(std::move(next));
  }
  all.clear_next_page_token();
  return all;
}

// Runs a roster command in its two phases: `parse` reads the command line
// into what the command needs (its errors are usage errors: exit 2), then
// `execute` calls the roster and prints (its errors: exit 1).
template <typename Parsed>
int RunCommand(absl::string_view command, const std::vector<std::string>& args,
               absl::FunctionRef<absl::StatusOr<Parsed>(const std::vector<std::string>&)> parse,
               absl::FunctionRef<absl::Status(RosterConnection&, Parsed&)> execute) {
  absl::StatusOr<Parsed> parsed = parse(args);
  if (!parsed.ok()) return UsageError(command, parsed.status());
  absl::StatusOr<RosterConnection> roster = RosterConnection::Open();
  if (!roster.ok()) return Fail(roster.status());
  if (absl::Status status = execute(*roster, *parsed); !status.ok()) return Fail(status);
  return kExitOk;
}

// ---- Output ----

// Rows of text in columns aligned by the widest cell (in characters, not
// bytes, so that "Jürgen" lines up), two spaces apart, the header in capitals.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  // The table on stdout.
  void Print() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// "key: value" lines with the values aligned; a value holding '\n' continues
// on the next lines at the value column.
class Fields {
 public:
  Fields& Add(std::string key, std::string value) {
    fields_.emplace_back(std::move(key), std::move(value));
    return *this;
  }
  void Print() const;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// "yes" or "no".
std::string YesNo(bool value);
// `text`, or "-" when it is empty.
std::string OrDash(const std::string& text);

void PrintTeam(const rosterpb::Team& team);
void PrintMember(const rosterpb::Member& member);
// ID NAME ROLE TEAM ACTIVE TIER EMAIL, one row per member.
void PrintMemberTable(const google::protobuf::RepeatedPtrField<rosterpb::Member>& members);
// After a single page: how to ask for the next one.
void PrintNextPage(const std::string& next_page_token);

}  // namespace salesteam::salesctl::roster_cli

#endif  // SALESTEAM_TOOLS_SALESCTL_ROSTER_CLI_H_
