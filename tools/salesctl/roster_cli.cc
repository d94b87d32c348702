#include "tools/salesctl/roster_cli.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

#include "common/time/date.h"
#include "tools/salesctl/commands.h"

ABSL_FLAG(std::optional<std::string>, name, std::nullopt, "roster: the team's or member's name");
ABSL_FLAG(std::optional<std::string>, team, std::nullopt,
          "roster: a team id (member-create, member-move, member-list, training-list)");
ABSL_FLAG(std::optional<std::string>, member, std::nullopt,
          "roster: a member id (training-record, training-list)");
ABSL_FLAG(std::optional<std::string>, as_of, std::nullopt,
          "roster: answer for this day, YYYY-MM-DD (default: today)");
ABSL_FLAG(std::optional<std::string>, effective_date, std::nullopt,
          "roster: first day of a move or of inactivity, YYYY-MM-DD (default: today, UTC)");
ABSL_FLAG(std::optional<int64_t>, expected_version, std::nullopt,
          "roster: the version an update, move or deactivation applies to (default: the "
          "current one, read first); a stale one fails with ABORTED");
ABSL_FLAG(std::optional<int32_t>, page_size, std::nullopt,
          "roster lists: fetch only one page of this size (default: every page)");
ABSL_FLAG(std::optional<std::string>, page_token, std::nullopt,
          "roster lists: fetch only the page this token names");
ABSL_FLAG(std::optional<std::string>, time_zone, std::nullopt,
          "team: IANA time zone, e.g. Europe/Berlin");
ABSL_FLAG(std::optional<std::string>, currency, std::nullopt, "team: ISO 4217 currency, e.g. EUR");
ABSL_FLAG(std::optional<std::string>, model, std::nullopt,
          "team: sales model, island or assembly-line");
ABSL_FLAG(std::optional<std::string>, manager, std::nullopt,
          "team: member id of the manager (role manager); none to clear");
ABSL_FLAG(std::optional<int32_t>, min_attainment_bps, std::nullopt,
          "team: under-performance is attainment below this (basis points; 9000 = 90% of quota)");
ABSL_FLAG(std::optional<int32_t>, consecutive_periods, std::nullopt,
          "team: ...for this many periods in a row");
ABSL_FLAG(std::optional<std::string>, cadence, std::nullopt,
          "team: training cadence AREA:DAYS,..., e.g. product-knowledge:30,prospecting:14; none "
          "to clear");
ABSL_FLAG(std::optional<std::string>, stages, std::nullopt,
          "team: stage owners STAGE:ROLE,..., e.g. lead-generation:lead-generation,"
          "qualification:sales-development,proposal-and-close:account-executive,"
          "after-sale:customer-success");
ABSL_FLAG(std::optional<std::string>, email, std::nullopt, "member: email address");
ABSL_FLAG(std::optional<std::string>, member_role, std::nullopt,
          "member: role: lead-generation, sales-development, account-executive, "
          "customer-success, full-cycle or manager");
ABSL_FLAG(std::optional<std::string>, archetype, std::nullopt,
          "member: builder, producer or unspecified");
ABSL_FLAG(std::optional<int32_t>, value_tier, std::nullopt,
          "member: 1 (fewest, most valuable activities) .. 3 (high-volume work)");
ABSL_FLAG(std::optional<std::string>, skills, std::nullopt,
          "member: SKILL:LEVEL,..., levels 1..5, e.g. prospecting:5,closing:3; none to clear");
ABSL_FLAG(std::optional<std::string>, motivators, std::nullopt,
          "member: most important first, e.g. money,growth; none to clear");
ABSL_FLAG(std::optional<std::string>, channels, std::nullopt,
          "member: KIND:ADDRESS[:preferred],..., e.g. email:ada@example.com:preferred,"
          "mobile:+49 151 2345678; none to clear");
ABSL_FLAG(std::optional<std::string>, hire_date, std::nullopt, "member: YYYY-MM-DD");
ABSL_FLAG(bool, include_inactive, false, "member-list: also list inactive members");
ABSL_FLAG(std::optional<std::string>, area, std::nullopt,
          "training: product-knowledge, competitive-intelligence, prospecting, "
          "opportunity-management, territory-planning or professional-communication");
ABSL_FLAG(std::optional<std::string>, date, std::nullopt,
          "training-record: the day of the session, YYYY-MM-DD");
ABSL_FLAG(std::optional<double>, hours, std::nullopt, "training-record: hours, 0 < hours <= 24");
ABSL_FLAG(std::optional<std::string>, note, std::nullopt, "training-record: a note");

namespace salesteam::salesctl::roster_cli {
namespace {

using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;

// The part of each value's name that all of `type`'s values share, taken
// from the UNSPECIFIED value every enum in our protos starts with.
std::string EnumPrefix(const EnumDescriptor& type) {
  const EnumValueDescriptor* zero = type.FindValueByNumber(0);
  if (zero == nullptr) return "";
  absl::string_view name = zero->name();
  if (!absl::ConsumeSuffix(&name, "UNSPECIFIED")) return "";
  return std::string(name);
}

// Items of a list flag, split on ','; none for "none".
std::vector<std::string> ListItems(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (absl::EqualsIgnoreCase(text, "none")) return {};
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    items.emplace_back(absl::StripAsciiWhitespace(item));
  }
  return items;
}

// Splits "WORD:REST" at the first ':'.
absl::StatusOr<std::pair<std::string, std::string>> SplitPair(absl::string_view item,
                                                              absl::string_view flag,
                                                              absl::string_view example) {
  std::pair<std::string, std::string> pair = absl::StrSplit(item, absl::MaxSplits(':', 1));
  pair.first = std::string(absl::StripAsciiWhitespace(pair.first));
  pair.second = std::string(absl::StripAsciiWhitespace(pair.second));
  if (pair.first.empty() || pair.second.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": ", QuoteInput(item), " is not of the form ", example));
  }
  return pair;
}

// Number of characters (not bytes) in UTF-8 `text`, for column widths.
size_t DisplayWidth(absl::string_view text) {
  return std::count_if(text.begin(), text.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

std::string PadRight(absl::string_view text, size_t width) {
  std::string out(text);
  const size_t current = DisplayWidth(text);
  if (current < width) out.append(width - current, ' ');
  return out;
}

// One flag of the roster commands and whether the command line set it.
struct RosterFlag {
  absl::string_view name;
  std::function<bool()> set;
};

template <typename T>
std::function<bool()> IsSet(const absl::Flag<std::optional<T>>& flag) {
  return [&flag] { return absl::GetFlag(flag).has_value(); };
}

const std::vector<RosterFlag>& RosterFlags() {
  static const auto* flags = new std::vector<RosterFlag>{
      {"name", IsSet(FLAGS_name)},
      {"team", IsSet(FLAGS_team)},
      {"member", IsSet(FLAGS_member)},
      {"as_of", IsSet(FLAGS_as_of)},
      {"effective_date", IsSet(FLAGS_effective_date)},
      {"expected_version", IsSet(FLAGS_expected_version)},
      {"page_size", IsSet(FLAGS_page_size)},
      {"page_token", IsSet(FLAGS_page_token)},
      {"time_zone", IsSet(FLAGS_time_zone)},
      {"currency", IsSet(FLAGS_currency)},
      {"model", IsSet(FLAGS_model)},
      {"manager", IsSet(FLAGS_manager)},
      {"min_attainment_bps", IsSet(FLAGS_min_attainment_bps)},
      {"consecutive_periods", IsSet(FLAGS_consecutive_periods)},
      {"cadence", IsSet(FLAGS_cadence)},
      {"stages", IsSet(FLAGS_stages)},
      {"email", IsSet(FLAGS_email)},
      {"member_role", IsSet(FLAGS_member_role)},
      {"archetype", IsSet(FLAGS_archetype)},
      {"value_tier", IsSet(FLAGS_value_tier)},
      {"skills", IsSet(FLAGS_skills)},
      {"motivators", IsSet(FLAGS_motivators)},
      {"channels", IsSet(FLAGS_channels)},
      {"hire_date", IsSet(FLAGS_hire_date)},
      {"include_inactive", [] { return absl::GetFlag(FLAGS_include_inactive); }},
      {"area", IsSet(FLAGS_area)},
      {"date", IsSet(FLAGS_date)},
      {"hours", IsSet(FLAGS_hours)},
      {"note", IsSet(FLAGS_note)},
  };
  return *flags;
}

}  // namespace

// ---- Enum words ----

std::string EnumWord(const EnumDescriptor& type, int number) {
  const EnumValueDescriptor* value = type.FindValueByNumber(number);
  if (value == nullptr) return absl::StrCat(number);
  absl::string_view name = value->name();
  absl::ConsumePrefix(&name, EnumPrefix(type));
  std::string word = absl::AsciiStrToLower(name);
  std::replace(word.begin(), word.end(), '_', '-');
  return word;
}

absl::StatusOr<int> ParseEnumWord(const EnumDescriptor& type, absl::string_view text,
                                  absl::string_view flag, bool allow_unspecified) {
  std::string normal = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  std::replace(normal.begin(), normal.end(), '-', '_');
  const EnumValueDescriptor* value = nullptr;
  if (!normal.empty()) {
    value = type.FindValueByName(absl::StrCat(EnumPrefix(type), normal));
    if (value == nullptr) value = type.FindValueByName(normal);
  }
  if (value != nullptr && (value->number() != 0 || allow_unspecified)) return value->number();
  std::vector<std::string> words;
  for (int i = 0; i < type.value_count(); ++i) {
    const int number = type.value(i)->number();
    if (number != 0 || allow_unspecified) words.push_back(EnumWord(type, number));
  }
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": unknown value ", QuoteInput(text),
                                                 " (one of: ", absl::StrJoin(words, ", "), ")"));
}

// ---- Dates and times ----

absl::StatusOr<salesteam::type::v1::Date> ParseDate(absl::string_view text,
                                                    absl::string_view flag) {
  ASSIGN_OR_RETURN(periods::Date date, periods::ParseIsoDate(absl::StripAsciiWhitespace(text),
                                                             absl::StrCat("--", flag)));
  return periods::DateToProto(date);
}

std::string FormatDate(const salesteam::type::v1::Date& date) {
  if (date.year() == 0 && date.month() == 0 && date.day() == 0) return "-";
  absl::StatusOr<periods::Date> day = periods::DateFromProto(date, "date");
  if (!day.ok()) return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(), date.day());
  return periods::FormatIsoDate(*day);
}

salesteam::type::v1::Date TodayUtc() {
  return periods::DateToProto(absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()));
}

std::string FormatTimestamp(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(time.seconds()),
                          absl::UTCTimeZone());
}

// ---- List syntaxes ----

absl::StatusOr<std::vector<rosterpb::SkillLevel>> ParseSkills(absl::string_view text) {
  std::vector<rosterpb::SkillLevel> skills;
  for (const std::string& item : ListItems(text)) {
    ASSIGN_OR_RETURN(auto pair, SplitPair(item, "skills", "SKILL:LEVEL, e.g. prospecting:4"));
    rosterpb::SkillLevel& skill = skills.emplace_back();
    ASSIGN_OR_RETURN(rosterpb::Skill kind, ParseWord<rosterpb::Skill>(pair.first, "skills"));
    skill.set_skill(kind);
    int level = 0;
    if (!absl::SimpleAtoi(pair.second, &level)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--skills: the level of ", pair.first, " is not a number: ", QuoteInput(pair.second)));
    }
    skill.set_level(level);
  }
  return skills;
}

absl::StatusOr<std::vector<rosterpb::Motivator>> ParseMotivators(absl::string_view text) {
  std::vector<rosterpb::Motivator> motivators;
  for (const std::string& item : ListItems(text)) {
    ASSIGN_OR_RETURN(rosterpb::Motivator motivator,
                     ParseWord<rosterpb::Motivator>(item, "motivators"));
    motivators.push_back(motivator);
  }
  return motivators;
}

absl::StatusOr<std::vector<rosterpb::ContactChannel>> ParseChannels(absl::string_view text) {
  std::vector<rosterpb::ContactChannel> channels;
  for (const std::string& item : ListItems(text)) {
    ASSIGN_OR_RETURN(auto pair,
                     SplitPair(item, "channels", "KIND:ADDRESS[:preferred], e.g. phone:+4930123"));
    rosterpb::ContactChannel& channel = channels.emplace_back();
    ASSIGN_OR_RETURN(rosterpb::ContactChannelKind kind,
                     ParseWord<rosterpb::ContactChannelKind>(pair.first, "channels"));
    channel.set_kind(kind);
    absl::string_view address = pair.second;
    constexpr absl::string_view kPreferred = ":preferred";
    if (address.size() > kPreferred.size() &&
        absl::EqualsIgnoreCase(address.substr(address.size() - kPreferred.size()), kPreferred)) {
      address.remove_suffix(kPreferred.size());
      channel.set_preferred(true);
    }
    channel.set_address(std::string(absl::StripAsciiWhitespace(address)));
  }
  return channels;
}

absl::StatusOr<std::vector<rosterpb::TrainingCadence>> ParseCadence(absl::string_view text) {
  std::vector<rosterpb::TrainingCadence> cadence;
  for (const std::string& item : ListItems(text)) {
    ASSIGN_OR_RETURN(auto pair, SplitPair(item, "cadence", "AREA:DAYS, e.g. prospecting:30"));
    rosterpb::TrainingCadence& entry = cadence.emplace_back();
    ASSIGN_OR_RETURN(rosterpb::TrainingArea area,
                     ParseWord<rosterpb::TrainingArea>(pair.first, "cadence"));
    entry.set_area(area);
    int days = 0;
    if (!absl::SimpleAtoi(pair.second, &days)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--cadence: the days of ", pair.first, " are not a number: ", QuoteInput(pair.second)));
    }
    entry.set_max_days_between_sessions(days);
  }
  return cadence;
}

absl::StatusOr<std::vector<rosterpb::StageOwnership>> ParseStages(absl::string_view text) {
  std::vector<rosterpb::StageOwnership> stages;
  for (const std::string& item : ListItems(text)) {
    ASSIGN_OR_RETURN(auto pair,
                     SplitPair(item, "stages", "STAGE:ROLE, e.g. qualification:sales-development"));
    rosterpb::StageOwnership& owner = stages.emplace_back();
    ASSIGN_OR_RETURN(rosterpb::JourneyStage stage,
                     ParseWord<rosterpb::JourneyStage>(pair.first, "stages"));
    ASSIGN_OR_RETURN(rosterpb::MemberRole role,
                     ParseWord<rosterpb::MemberRole>(pair.second, "stages"));
    owner.set_stage(stage);
    owner.set_role(role);
  }
  return stages;
}

std::string FormatSkills(const google::protobuf::RepeatedPtrField<rosterpb::SkillLevel>& skills) {
  if (skills.empty()) return "-";
  return absl::StrJoin(skills, ", ", [](std::string* out, const rosterpb::SkillLevel& skill) {
    absl::StrAppend(out, Word(skill.skill()), ":", skill.level());
  });
}

std::string FormatMotivators(const google::protobuf::RepeatedField<int>& motivators) {
  if (motivators.empty()) return "-";
  return absl::StrJoin(motivators, ", ", [](std::string* out, int motivator) {
    absl::StrAppend(out, Word(static_cast<rosterpb::Motivator>(motivator)));
  });
}

std::string FormatBasisPoints(int64_t bps) {
  std::string text = absl::StrFormat("%d.%02d", bps / 100, std::abs(bps % 100));
  absl::string_view trimmed = absl::StripSuffix(absl::StripSuffix(text, "0"), "0");
  trimmed = absl::StripSuffix(trimmed, ".");
  return absl::StrCat(trimmed, "%");
}

// ---- The command line ----

absl::Status CheckOnlyFlags(absl::Span<const absl::string_view> allowed) {
  for (const RosterFlag& flag : RosterFlags()) {
    if (!flag.set()) continue;
    if (std::find(allowed.begin(), allowed.end(), flag.name) != allowed.end()) continue;
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag.name, " does not apply to this command"));
  }
  return absl::OkStatus();
}

absl::Status RequireFlags(absl::Span<const absl::string_view> required) {
  for (absl::string_view name : required) {
    for (const RosterFlag& flag : RosterFlags()) {
      if (flag.name == name && !flag.set()) {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " is required"));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> OneArgument(const std::vector<std::string>& args,
                                        absl::string_view what) {
  if (args.empty()) return absl::InvalidArgumentError(absl::StrCat(what, " is required"));
  if (args.size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("one ", what, " only; unexpected argument ", QuoteInput(args[1])));
  }
  return args[0];
}

int UsageError(absl::string_view command, const absl::Status& status) {
  std::cerr << "salesctl " << command << ": " << status.message() << "\n";
  if (const Command* found = FindCommand(command); found != nullptr) {
    std::cerr << "usage: salesctl " << command << " " << found->synopsis << "\n";
  }
  return kExitUsage;
}

// ---- Calls ----

absl::StatusOr<RosterConnection> RosterConnection::Open() {
  ASSIGN_OR_RETURN(Endpoint endpoint, FindEndpoint("roster"));
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, OpenChannel(endpoint.address));
  return RosterConnection(rosterpb::RosterService::NewStub(channel));
}

absl::Status RosterConnection::Call(
    absl::FunctionRef<grpc::Status(rosterpb::RosterService::Stub&, grpc::ClientContext*)> rpc) {
  grpc::ClientContext context;
  RETURN_IF_ERROR(PrepareCall(context));
  return FromGrpcStatus(rpc(*stub_, &context));
}

// ---- Output ----

void Table::Print() const {
  std::vector<size_t> widths(header_.size(), 0);
  auto measure = [&widths](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  };
  measure(header_);
  for (const auto& row : rows_) measure(row);
  auto print = [&widths](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) line += "  ";
      // The last column is not padded, so that lines carry no trailing blanks.
      line += i + 1 < row.size() && i < widths.size() ? PadRight(row[i], widths[i]) : row[i];
    }
    std::cout << line << "\n";
  };
  print(header_);
  for (const auto& row : rows_) print(row);
  std::cout.flush();
}

void Fields::Print() const {
  size_t width = 0;
  for (const auto& [key, value] : fields_) width = std::max(width, key.size() + 1);
  for (const auto& [key, value] : fields_) {
    bool first = true;
    for (absl::string_view line : absl::StrSplit(value, '\n')) {
      std::cout << PadRight(first ? absl::StrCat(key, ":") : "", width) << "  " << line << "\n";
      first = false;
    }
  }
  std::cout.flush();
}

std::string YesNo(bool value) { return value ? "yes" : "no"; }

std::string OrDash(const std::string& text) { return text.empty() ? "-" : text; }

void PrintTeam(const rosterpb::Team& team) {
  std::string expectation = "-";
  if (team.has_expectation_policy()) {
    const rosterpb::ExpectationPolicy& policy = team.expectation_policy();
    expectation =
        absl::StrCat("under-performing below ", FormatBasisPoints(policy.min_attainment_bps()),
                     " of quota for ", policy.consecutive_periods(),
                     policy.consecutive_periods() == 1 ? " period" : " periods in a row");
  }
  size_t area_width = 0;
  for (const auto& cadence : team.training_cadence()) {
    area_width = std::max(area_width, Word(cadence.area()).size() + 1);
  }
  std::vector<std::string> cadence_lines;
  for (const auto& cadence : team.training_cadence()) {
    cadence_lines.push_back(
        absl::StrCat(PadRight(absl::StrCat(Word(cadence.area()), ":"), area_width), " every ",
                     cadence.max_days_between_sessions(), " days"));
  }
  size_t stage_width = 0;
  for (const auto& owner : team.stage_ownership()) {
    stage_width = std::max(stage_width, Word(owner.stage()).size() + 1);
  }
  std::vector<std::string> stage_lines;
  for (const auto& owner : team.stage_ownership()) {
    stage_lines.push_back(absl::StrCat(
        PadRight(absl::StrCat(Word(owner.stage()), ":"), stage_width), " ", Word(owner.role())));
  }
  std::vector<std::string> terms_lines;
  for (const auto& terms : team.terms()) {
    terms_lines.push_back(absl::StrCat(
        terms.has_effective_from() ? absl::StrCat("from ", FormatDate(terms.effective_from()))
                                   : std::string("from the start"),
        ": ", terms.time_zone(), ", ", terms.currency_code()));
  }
  Fields()
      .Add("id", team.id())
      .Add("name", team.name())
      .Add("time_zone", team.time_zone())
      .Add("currency_code", team.currency_code())
      .Add("terms", terms_lines.empty() ? "-" : absl::StrJoin(terms_lines, "\n"))
      .Add("sales_model", Word(team.sales_model()))
      .Add("manager_id", OrDash(team.manager_id()))
      .Add("expectation_policy", expectation)
      .Add("training_cadence", cadence_lines.empty() ? "-" : absl::StrJoin(cadence_lines, "\n"))
      .Add("stage_ownership", stage_lines.empty() ? "-" : absl::StrJoin(stage_lines, "\n"))
      .Add("version", absl::StrCat(team.version()))
      .Add("create_time", FormatTimestamp(team.create_time()))
      .Add("update_time", FormatTimestamp(team.update_time()))
      .Print();
}

void PrintMember(const rosterpb::Member& member) {
  size_t kind_width = 0;
  for (const auto& channel : member.contact_channels()) {
    kind_width = std::max(kind_width, Word(channel.kind()).size() + 1);
  }
  std::vector<std::string> channels;
  for (const auto& channel : member.contact_channels()) {
    channels.push_back(absl::StrCat(PadRight(absl::StrCat(Word(channel.kind()), ":"), kind_width),
                                    " ", channel.address(),
                                    channel.preferred() ? " (preferred)" : ""));
  }
  size_t team_width = 0;
  for (const auto& assignment : member.assignments()) {
    team_width = std::max(team_width, DisplayWidth(assignment.team_id()));
  }
  std::vector<std::string> assignments;
  for (const auto& assignment : member.assignments()) {
    const std::string until =
        assignment.has_effective_until() ? FormatDate(assignment.effective_until()) : "";
    assignments.push_back(
        absl::StrCat(FormatDate(assignment.effective_from()), "..", PadRight(until, 10), "  ",
                     PadRight(assignment.team_id(), team_width), "  ", Word(assignment.role())));
  }
  Fields fields;
  fields.Add("id", member.id())
      .Add("name", member.name())
      .Add("email", member.email())
      .Add("team_id", OrDash(member.team_id()))
      .Add("role", Word(member.role()))
      .Add("active", YesNo(member.active()))
      .Add("archetype",
           member.archetype() == rosterpb::ARCHETYPE_UNSPECIFIED ? "-" : Word(member.archetype()))
      .Add("value_tier", member.has_value_tier() ? absl::StrCat(member.value_tier()) : "-")
      .Add("skills", FormatSkills(member.skills()))
      .Add("motivators", FormatMotivators(member.motivators()))
      .Add("contact_channels", channels.empty() ? "-" : absl::StrJoin(channels, "\n"))
      .Add("hire_date", FormatDate(member.hire_date()));
  if (member.has_deactivation_date()) {
    fields.Add("deactivation_date", FormatDate(member.deactivation_date()));
  }
  fields.Add("assignments", assignments.empty() ? "-" : absl::StrJoin(assignments, "\n"))
      .Add("version", absl::StrCat(member.version()))
      .Add("create_time", FormatTimestamp(member.create_time()))
      .Add("update_time", FormatTimestamp(member.update_time()))
      .Print();
}

void PrintMemberTable(const google::protobuf::RepeatedPtrField<rosterpb::Member>& members) {
  Table table({"ID", "NAME", "ROLE", "TEAM", "ACTIVE", "TIER", "EMAIL"});
  for (const rosterpb::Member& member : members) {
    table.AddRow({member.id(), member.name(), Word(member.role()), OrDash(member.team_id()),
                  YesNo(member.active()),
                  member.has_value_tier() ? absl::StrCat(member.value_tier()) : "-",
                  member.email()});
  }
  table.Print();
}

void PrintNextPage(const std::string& next_page_token) {
  if (next_page_token.empty()) return;
  std::cout << "next page: --page_token=" << next_page_token << std::endl;
}

}  // namespace salesteam::salesctl::roster_cli
