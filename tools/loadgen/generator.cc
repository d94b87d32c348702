#include "tools/loadgen/generator.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/random/distributions.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status.h"
#include "common/time/timestamp.h"

namespace salesteam::loadgen {
namespace {

struct MixName {
  const char* name;
  activitypb::ActivityType type;
  double default_weight;
};

constexpr MixName kMixNames[] = {
    {"calls", activitypb::ACTIVITY_TYPE_CALL_MADE, 40},
    {"emails", activitypb::ACTIVITY_TYPE_EMAIL_SENT, 25},
    {"leads", activitypb::ACTIVITY_TYPE_LEAD_CREATED, 10},
    {"follow_ups", activitypb::ACTIVITY_TYPE_FOLLOW_UP, 8},
    {"meetings_scheduled", activitypb::ACTIVITY_TYPE_MEETING_SCHEDULED, 5},
    {"meetings_held", activitypb::ACTIVITY_TYPE_MEETING_HELD, 4},
    {"proposals", activitypb::ACTIVITY_TYPE_PROPOSAL_SENT, 3},
    {"won", activitypb::ACTIVITY_TYPE_DEAL_WON, 1},
    {"lost", activitypb::ACTIVITY_TYPE_DEAL_LOST, 1},
    {"referrals", activitypb::ACTIVITY_TYPE_REFERRAL, 1},
    {"partnerships", activitypb::ACTIVITY_TYPE_PARTNERSHIP, 0.5},
    {"time_logged", activitypb::ACTIVITY_TYPE_TIME_LOGGED, 1.5},
};

// Working hours, local time: 08:00 to 18:00, Monday to Friday.
constexpr int kDayStartHour = 8;
constexpr int kDayEndHour = 18;
// The share of logged time spent selling (DESIGN.md practice 11: about 35%).
constexpr double kSellingShare = 0.35;
// Deal sizes: 10^U(2.7, 4.7) major units, about 500 to 50,000.
constexpr double kMinDealLog10 = 2.7;
constexpr double kMaxDealLog10 = 4.7;

// The funnel stage (index into the open deals) a type takes a deal from, or
// -1 for types that do not advance a deal. LEAD_CREATED starts one.
int StageTakenFrom(activitypb::ActivityType type) {
  switch (type) {
    case activitypb::ACTIVITY_TYPE_MEETING_SCHEDULED:
      return 0;
    case activitypb::ACTIVITY_TYPE_MEETING_HELD:
      return 1;
    case activitypb::ACTIVITY_TYPE_PROPOSAL_SENT:
      return 2;
    case activitypb::ACTIVITY_TYPE_DEAL_WON:
    case activitypb::ACTIVITY_TYPE_DEAL_LOST:
      return 3;
    default:
      return -1;
  }
}

bool IsWeekend(absl::CivilDay day) {
  const absl::Weekday weekday = absl::GetWeekday(day);
  return weekday == absl::Weekday::saturday || weekday == absl::Weekday::sunday;
}

// Another ISO 4217 code than the team's, for items in the wrong currency.
const char* OtherCurrency(absl::string_view currency_code) {
  return currency_code == "EUR" ? "USD" : "EUR";
}

}  // namespace

ActivityMix DefaultMix() {
  ActivityMix mix;
  for (const MixName& entry : kMixNames) mix.weight[entry.type] = entry.default_weight;
  return mix;
}

absl::StatusOr<ActivityMix> ParseMix(absl::string_view text) {
  ActivityMix mix;
  std::array<bool, ActivityMix::kTypes> named{};
  for (absl::string_view entry : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    std::pair<absl::string_view, absl::string_view> name_value = absl::StrSplit(entry, '=');
    const absl::string_view name = absl::StripAsciiWhitespace(name_value.first);
    const MixName* found = nullptr;
    for (const MixName& candidate : kMixNames) {
      if (name == candidate.name) found = &candidate;
    }
    if (found == nullptr) {
      std::vector<std::string> known;
      for (const MixName& candidate : kMixNames) known.push_back(candidate.name);
      return absl::InvalidArgumentError(absl::StrCat("--mix: unknown type ", QuoteInput(name),
                                                     " (known: ", absl::StrJoin(known, ", "), ")"));
    }
    if (named[found->type]) {
      return absl::InvalidArgumentError(absl::StrCat("--mix: ", found->name, " is named twice"));
    }
    named[found->type] = true;
    double weight = 0;
    if (!absl::SimpleAtod(absl::StripAsciiWhitespace(name_value.second), &weight) ||
        !std::isfinite(weight) || weight < 0) {
      return absl::InvalidArgumentError(absl::StrCat("--mix: ", found->name,
                                                     ": weight must be a number >= 0, got ",
                                                     QuoteInput(name_value.second)));
    }
    mix.weight[found->type] = weight;
  }
  double total = 0;
  for (double weight : mix.weight) total += weight;
  if (total <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--mix: at least one type needs a positive weight, got ", QuoteInput(text)));
  }
  return mix;
}

std::string FormatMix(const ActivityMix& mix) {
  std::vector<std::string> parts;
  for (const MixName& entry : kMixNames) {
    if (mix.weight[entry.type] > 0) {
      parts.push_back(absl::StrCat(entry.name, "=", mix.weight[entry.type]));
    }
  }
  return absl::StrJoin(parts, ",");
}

absl::Status ValidateGeneratorOptions(const GeneratorOptions& options) {
  if (options.days < 1 || options.days > activity::kMaxRangeDays) {
    return absl::InvalidArgumentError(
        absl::StrCat("--days: must be 1..", activity::kMaxRangeDays, ", got ", options.days));
  }
  for (auto [name, rate] :
       {std::pair<const char*, double>{"--duplicate_rate", options.duplicate_rate},
        std::pair<const char*, double>{"--bad_rate", options.bad_rate}}) {
    if (!(rate >= 0 && rate <= 1)) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": must be 0..1, got ", rate));
    }
  }
  if (options.duplicate_rate + options.bad_rate >= 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--duplicate_rate + --bad_rate: must be below 1, got ",
                     options.duplicate_rate + options.bad_rate));
  }
  double total = 0;
  for (double weight : options.mix.weight) {
    if (!std::isfinite(weight) || weight < 0) {
      return absl::InvalidArgumentError("--mix: weights must be finite numbers >= 0");
    }
    total += weight;
  }
  if (total <= 0 || options.mix.weight[activitypb::ACTIVITY_TYPE_UNSPECIFIED] != 0) {
    return absl::InvalidArgumentError("--mix: at least one type needs a positive weight");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ActivityGenerator>> ActivityGenerator::Create(
    const LoadRoster* roster, GeneratorOptions options) {
  RETURN_IF_ERROR(ValidateGeneratorOptions(options));
  if (roster->teams.empty() || roster->members.empty()) {
    return absl::InvalidArgumentError("the roster needs at least one team and one member");
  }
  for (const LoadRoster::Member& member : roster->members) {
    if (member.team < 0 || member.team >= static_cast<int>(roster->teams.size())) {
      return absl::InvalidArgumentError(absl::StrCat("member ", QuoteInput(member.id),
                                                     " names team index ", member.team, " of ",
                                                     roster->teams.size()));
    }
  }
  return std::unique_ptr<ActivityGenerator>(new ActivityGenerator(roster, std::move(options)));
}

ActivityGenerator::ActivityGenerator(const LoadRoster* roster, GeneratorOptions options)
    : roster_(roster), options_(std::move(options)) {
  // Content and ids come from separate engines, so that another id key
  // changes the ids and nothing else.
  std::seed_seq content_seed{options_.seed, options_.stream, uint64_t{0x6c6f6164}};
  rng_.seed(content_seed);
  std::seed_seq id_seed{options_.seed, options_.stream, options_.id_key, uint64_t{0x6964}};
  id_rng_.seed(id_seed);

  double sum = 0;
  for (int type = 0; type < ActivityMix::kTypes; ++type) {
    sum += options_.mix.weight[type];
    cumulative_weight_[type] = sum;
  }

  team_doers_.resize(roster_->teams.size());
  for (int type = 1; type < ActivityMix::kTypes; ++type) {
    const auto activity_type = static_cast<activitypb::ActivityType>(type);
    for (int m = 0; m < static_cast<int>(roster_->members.size()); ++m) {
      const LoadRoster::Member& member = roster_->members[m];
      // Managers coach; their reps do the work.
      if (member.role == rosterpb::MEMBER_ROLE_MANAGER) continue;
      if (activity::IsOutOfStage(roster_->teams[member.team], member.role, activity_type)) {
        continue;
      }
      doers_[type].push_back(m);
      team_doers_[member.team][type].push_back(m);
    }
    // A roster without anyone in the stage's role still gets the type.
    if (doers_[type].empty()) {
      for (int m = 0; m < static_cast<int>(roster_->members.size()); ++m) {
        doers_[type].push_back(m);
      }
    }
  }
  recent_.reserve(kRecentItems);
}

ItemKind ActivityGenerator::Next(activitypb::Activity* item) {
  const double draw = absl::Uniform<double>(rng_, 0, 1);
  if (draw < options_.bad_rate) {
    NextBad(item);
    return ItemKind::kBad;
  }
  if (draw < options_.bad_rate + options_.duplicate_rate && !recent_.empty()) {
    *item = recent_[absl::Uniform<size_t>(rng_, 0, recent_.size())];
    return ItemKind::kDuplicate;
  }
  NextGood(item);
  Remember(*item);
  return ItemKind::kGood;
}

void ActivityGenerator::NextBatch(int n,
                                  google::protobuf::RepeatedPtrField<activitypb::Activity>* items,
                                  ItemCounts* counts) {
  items->Clear();
  items->Reserve(n);
  for (int i = 0; i < n; ++i) {
    switch (Next(items->Add())) {
      case ItemKind::kGood:
        ++counts->good;
        break;
      case ItemKind::kDuplicate:
        ++counts->duplicate;
        break;
      case ItemKind::kBad:
        ++counts->bad;
        break;
    }
  }
}

void ActivityGenerator::NextGood(activitypb::Activity* item) {
  const activitypb::ActivityType type = PickType();
  const int taken_from = StageTakenFrom(type);
  Deal deal;
  if (taken_from >= 0 && TakeDeal(taken_from, &deal)) {
    const int member = DealMember(deal, type);
    const activity::TeamFacts& team = roster_->teams[roster_->members[member].team];
    deal.last = WorkingTimeAfter(team.zone, deal.last);
    Start(item, type, member, deal.last);
    item->set_deal_id(deal.id);
    if (type == activitypb::ACTIVITY_TYPE_DEAL_WON) {
      item->mutable_amount()->set_currency_code(team.currency_code);
      item->mutable_amount()->set_minor_units(deal.value_minor);
    }
    if (taken_from + 1 < kOpenStages) Keep(taken_from + 1, std::move(deal));
    return;
  }

  const int member = PickMember(type);
  const activity::TeamFacts& team = roster_->teams[roster_->members[member].team];
  Start(item, type, member, RandomWorkingTime(team.zone));
  switch (type) {
    case activitypb::ACTIVITY_TYPE_LEAD_CREATED: {
      Deal lead;
      lead.id = absl::StrCat("deal-", NewId(16));
      lead.owner = member;
      const double major = std::pow(10.0, absl::Uniform(rng_, kMinDealLog10, kMaxDealLog10));
      // Round figures, as people quote them: whole hundreds of major units.
      lead.value_minor = std::max<int64_t>(1, std::llround(major / 100)) * 100 * 100;
      lead.last = absl::FromUnixSeconds(item->occurred_at().seconds());
      item->set_deal_id(lead.id);
      Keep(0, std::move(lead));
      break;
    }
    case activitypb::ACTIVITY_TYPE_DEAL_WON: {
      // A deal closed without its earlier steps on record (the CRM synced
      // only the win).
      const double major = std::pow(10.0, absl::Uniform(rng_, kMinDealLog10, kMaxDealLog10));
      item->mutable_amount()->set_currency_code(team.currency_code);
      item->mutable_amount()->set_minor_units(std::max<int64_t>(1, std::llround(major)) * 100);
      break;
    }
    case activitypb::ACTIVITY_TYPE_TIME_LOGGED:
      // Quarter hours to four hours, in 5-minute steps.
      item->set_minutes(5 * absl::Uniform<int>(absl::IntervalClosed, rng_, 3, 48));
      item->set_selling(absl::Bernoulli(rng_, kSellingShare));
      break;
    default:
      break;
  }
}

void ActivityGenerator::NextBad(activitypb::Activity* item) {
  const auto kind = static_cast<BadKind>(
      absl::Uniform<int>(absl::IntervalClosed, rng_, 0, static_cast<int>(BadKind::kWrongCurrency)));
  const int member = PickMember(activitypb::ACTIVITY_TYPE_CALL_MADE);
  const activity::TeamFacts& team = roster_->teams[roster_->members[member].team];
  switch (kind) {
    case BadKind::kZeroMinutes:
      Start(item, activitypb::ACTIVITY_TYPE_TIME_LOGGED, member, RandomWorkingTime(team.zone));
      item->set_minutes(0);
      break;
    case BadKind::kFuture:
      Start(item, activitypb::ACTIVITY_TYPE_CALL_MADE, member,
            options_.now + absl::Hours(absl::Uniform<int>(absl::IntervalClosed, rng_, 48, 240)));
      break;
    case BadKind::kUnknownMember:
      Start(item, activitypb::ACTIVITY_TYPE_EMAIL_SENT, member, RandomWorkingTime(team.zone));
      item->set_member_id(absl::StrCat("mb-loadgen-unknown-", NewId(12)));
      break;
    case BadKind::kWonWithoutAmount:
      Start(item, activitypb::ACTIVITY_TYPE_DEAL_WON, member, RandomWorkingTime(team.zone));
      item->set_deal_id(absl::StrCat("deal-", NewId(16)));
      break;
    case BadKind::kWrongCurrency:
      Start(item, activitypb::ACTIVITY_TYPE_DEAL_WON, member, RandomWorkingTime(team.zone));
      item->set_deal_id(absl::StrCat("deal-", NewId(16)));
      item->mutable_amount()->set_currency_code(OtherCurrency(team.currency_code));
      item->mutable_amount()->set_minor_units(250000);
      break;
  }
}

void ActivityGenerator::Start(activitypb::Activity* item, activitypb::ActivityType type, int member,
                              absl::Time occurred_at) {
  item->Clear();
  item->set_activity_id(NewId(24));
  item->set_member_id(roster_->members[member].id);
  item->set_type(type);
  periods::TimeToProto(occurred_at, item->mutable_occurred_at());
  item->set_source_system(options_.source_system);
}

activitypb::ActivityType ActivityGenerator::PickType() {
  const double draw = absl::Uniform<double>(rng_, 0, cumulative_weight_.back());
  for (int type = 1; type < ActivityMix::kTypes; ++type) {
    if (draw < cumulative_weight_[type]) return static_cast<activitypb::ActivityType>(type);
  }
  // Only reached through rounding at the very top: the last weighted type.
  for (int type = ActivityMix::kTypes - 1; type > 0; --type) {
    if (options_.mix.weight[type] > 0) return static_cast<activitypb::ActivityType>(type);
  }
  return activitypb::ACTIVITY_TYPE_CALL_MADE;
}

int ActivityGenerator::PickMember(activitypb::ActivityType type) {
  const std::vector<int>& doers = doers_[type];
  return doers[absl::Uniform<size_t>(rng_, 0, doers.size())];
}

int ActivityGenerator::DealMember(const Deal& deal, activitypb::ActivityType type) {
  const int team = roster_->members[deal.owner].team;
  if (roster_->teams[team].sales_model != rosterpb::SALES_MODEL_ASSEMBLY_LINE) return deal.owner;
  // On an assembly line the deal is handed to the role that owns its stage.
  const std::vector<int>& doers = team_doers_[team][type];
  if (doers.empty()) return deal.owner;
  return doers[absl::Uniform<size_t>(rng_, 0, doers.size())];
}

absl::Time ActivityGenerator::RandomWorkingTime(const absl::TimeZone& zone) {
  const absl::CivilDay today = absl::ToCivilDay(options_.now, zone);
  for (int attempt = 0; attempt < 16; ++attempt) {
    const absl::CivilDay day = today - absl::Uniform<int>(rng_, 0, options_.days);
    if (IsWeekend(day)) continue;
    const absl::Time at = absl::FromCivil(
        absl::CivilSecond(day) + absl::Uniform<int>(rng_, kDayStartHour * 3600, kDayEndHour * 3600),
        zone);
    if (at <= options_.now) return at;
  }
  // A window of only a weekend, or only today before work: any time in it.
  return options_.now - absl::Seconds(absl::Uniform<int64_t>(rng_, 0, options_.days * 86400));
}

absl::Time ActivityGenerator::WorkingTimeAfter(const absl::TimeZone& zone, absl::Time after) {
  // The next step of a deal follows one hour to three days later.
  absl::Time at = after + absl::Seconds(absl::Uniform<int>(rng_, 3600, 72 * 3600));
  const absl::CivilSecond local = absl::ToCivilSecond(at, zone);
  absl::CivilDay day(local);
  bool moved = local.hour() < kDayStartHour;
  if (local.hour() >= kDayEndHour) {
    day += 1;
    moved = true;
  }
  while (IsWeekend(day)) {
    day += 1;
    moved = true;
  }
  if (moved) {
    at = absl::FromCivil(
        absl::CivilSecond(day) + kDayStartHour * 3600 + absl::Uniform<int>(rng_, 0, 2 * 3600),
        zone);
  }
  // Not in the future: a deal worked on today moves on within the half hour.
  if (at > options_.now) {
    at = std::min(after + absl::Seconds(absl::Uniform<int>(rng_, 60, 1800)), options_.now);
  }
  return at;
}

std::string ActivityGenerator::NewId(int hex_chars) {
  std::string id;
  while (static_cast<int>(id.size()) < hex_chars) {
    absl::StrAppend(&id, absl::Hex(id_rng_(), absl::kZeroPad16));
  }
  id.resize(hex_chars);
  return id;
}

void ActivityGenerator::Remember(const activitypb::Activity& item) {
  if (recent_.size() < kRecentItems) {
    recent_.push_back(item);
  } else {
    recent_[recent_next_] = item;
  }
  recent_next_ = (recent_next_ + 1) % kRecentItems;
}

void ActivityGenerator::Keep(int stage, Deal deal) {
  std::vector<Deal>& deals = open_deals_[stage];
  if (deals.size() < kMaxOpenDeals) {
    deals.push_back(std::move(deal));
  } else {
    deals[absl::Uniform<size_t>(rng_, 0, deals.size())] = std::move(deal);
  }
}

bool ActivityGenerator::TakeDeal(int stage, Deal* deal) {
  std::vector<Deal>& deals = open_deals_[stage];
  if (deals.empty()) return false;
  const size_t index = absl::Uniform<size_t>(rng_, 0, deals.size());
  *deal = std::move(deals[index]);
  deals[index] = std::move(deals.back());
  deals.pop_back();
  return true;
}

}  // namespace salesteam::loadgen
