#include "services/activity/leaderboard.h"

#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace salesteam::activity {
namespace {

using cache::Command;
using cache::Reply;

// The sets kept per team-day: one per type ("t8" is DEAL_WON's count), won
// value, selling and logged minutes.
constexpr absl::string_view kWon = "won";
constexpr absl::string_view kSelling = "sell";
constexpr absl::string_view kLogged = "log";

std::string DayPrefix(absl::string_view team_id, Date day) {
  return absl::StrCat("activity:v1:lb:{", team_id, "}:", DayNumber(day), ":");
}

std::string TypeComponent(int type) { return absl::StrCat("t", type); }

std::vector<std::string> AllComponents() {
  std::vector<std::string> components;
  for (int type = 1; type < activitypb::ActivityType_ARRAYSIZE; ++type) {
    components.push_back(TypeComponent(type));
  }
  components.emplace_back(kWon);
  components.emplace_back(kSelling);
  components.emplace_back(kLogged);
  return components;
}

// member -> value per component of one team-day.
using DayValues = std::map<std::string, absl::flat_hash_map<std::string, int64_t>>;

void AddTotals(const std::string& member_id, const DailyTotals& totals, DayValues& values) {
  if (totals.count != 0) values[TypeComponent(totals.type)][member_id] += totals.count;
  if (totals.type == activitypb::ACTIVITY_TYPE_DEAL_WON && totals.amount_minor != 0) {
    values[std::string(kWon)][member_id] += totals.amount_minor;
  }
  if (totals.minutes != 0) values[std::string(kLogged)][member_id] += totals.minutes;
  if (totals.selling_minutes != 0) {
    values[std::string(kSelling)][member_id] += totals.selling_minutes;
  }
}

// The components a metric is computed from: numerator first, then
// denominator parts (summed).
std::vector<std::string> ComponentsOf(activitypb::LeaderboardMetric metric,
                                      activitypb::ActivityType type) {
  switch (metric) {
    case activitypb::LEADERBOARD_METRIC_ACTIVITY_COUNT:
      return {TypeComponent(type)};
    case activitypb::LEADERBOARD_METRIC_WON_VALUE:
      return {std::string(kWon)};
    case activitypb::LEADERBOARD_METRIC_WIN_RATE:
      return {TypeComponent(activitypb::ACTIVITY_TYPE_DEAL_WON),
              TypeComponent(activitypb::ACTIVITY_TYPE_DEAL_LOST)};
    case activitypb::LEADERBOARD_METRIC_SELLING_TIME_SHARE:
      return {std::string(kSelling), std::string(kLogged)};
    default:
      return {};
  }
}

std::vector<LeaderboardScore> ToScores(
    activitypb::LeaderboardMetric metric,
    const absl::flat_hash_map<std::string, std::vector<int64_t>>& sums) {
  std::vector<LeaderboardScore> scores;
  scores.reserve(sums.size());
  for (const auto& [member, parts] : sums) {
    LeaderboardScore& score = scores.emplace_back();
    score.member_id = member;
    score.numerator = parts[0];
    if (metric == activitypb::LEADERBOARD_METRIC_WIN_RATE) {
      score.denominator = parts[0] + parts[1];
    } else if (metric == activitypb::LEADERBOARD_METRIC_SELLING_TIME_SHARE) {
      score.denominator = parts[1];
    }
  }
  return scores;
}

}  // namespace

Leaderboards::Leaderboards(cache::Cache* cache, ActivityStore* store, LeaderboardOptions options)
    : cache_(cache), store_(store), options_(options) {}

void Leaderboards::Apply(absl::Span<const NewActivity> accepted) {
  if (accepted.empty()) return;
  std::map<std::pair<std::string, int64_t>, std::pair<DayValues, int64_t>> days;
  for (const NewActivity& item : accepted) {
    const activitypb::Activity& a = *item.activity;
    DailyTotals totals;
    totals.type = a.type();
    totals.count = 1;
    totals.amount_minor =
        a.type() == activitypb::ACTIVITY_TYPE_DEAL_WON ? a.amount().minor_units() : 0;
    totals.minutes = a.minutes();
    totals.selling_minutes = a.selling() ? a.minutes() : 0;
    auto& [values, count] = days[{item.attribution.team_id, DayNumber(item.attribution.local_day)}];
    AddTotals(a.member_id(), totals, values);
    count += 1;
  }
  const std::string ttl_seconds = absl::StrCat(absl::ToInt64Seconds(options_.key_ttl));
  std::vector<Command> commands;
  for (const auto& [key, day] : days) {
    const std::string prefix = DayPrefix(key.first, DayFromNumber(key.second));
    commands.push_back({"MULTI"});
    for (const auto& [component, members] : day.first) {
      for (const auto& [member, value] : members) {
        commands.push_back({"ZINCRBY", prefix + component, absl::StrCat(value), member});
      }
      commands.push_back({"EXPIRE", prefix + component, ttl_seconds});
    }
    // Last, so that a batch cut short never counts as applied.
    commands.push_back({"INCRBY", prefix + "n", absl::StrCat(day.second)});
    commands.push_back({"EXPIRE", prefix + "n", ttl_seconds});
    commands.push_back({"EXEC"});
  }
  // Best effort by design (see the header): the result is not needed.
  (void)cache_->Pipeline(commands, {.timeout = options_.timeout, .retries = 0});
}

absl::StatusOr<std::vector<LeaderboardScore>> Leaderboards::Scores(
    absl::string_view team_id, activitypb::LeaderboardMetric metric, activitypb::ActivityType type,
    Date start, Date end) {
  const std::vector<std::string> components = ComponentsOf(metric, type);
  absl::flat_hash_map<std::string, std::vector<int64_t>> sums;
  auto add = [&](const std::string& member, size_t part, int64_t value) {
    std::vector<int64_t>& parts = sums[member];
    parts.resize(components.size(), 0);
    parts[part] += value;
  };
  auto add_from_store = [&](const std::vector<MemberDayTotals>& rows) {
    DayValues values;
    for (const MemberDayTotals& row : rows) AddTotals(row.member_id, row.totals, values);
    for (size_t part = 0; part < components.size(); ++part) {
      auto it = values.find(components[part]);
      if (it == values.end()) continue;
      for (const auto& [member, value] : it->second) add(member, part, value);
    }
  };

  ASSIGN_OR_RETURN(auto counts, store_->TeamDayCounts(team_id, start, end));
  if (counts.empty()) return std::vector<LeaderboardScore>{};
  // One round trip: each day's applied count, then its sets.
  std::vector<Command> commands;
  for (const auto& [day, count] : counts) {
    const std::string prefix = DayPrefix(team_id, day);
    commands.push_back({"GET", prefix + "n"});
    for (const std::string& component : components) {
      commands.push_back({"ZRANGE", prefix + component, "0", "-1", "WITHSCORES"});
    }
  }
  absl::StatusOr<std::vector<absl::StatusOr<Reply>>> replies =
      cache_->Pipeline(commands, {.timeout = options_.timeout, .retries = 0});
  if (!replies.ok()) {
    ASSIGN_OR_RETURN(std::vector<MemberDayTotals> rows,
                     store_->TeamMemberTotals(team_id, start, end));
    add_from_store(rows);
    return ToScores(metric, sums);
  }
  const size_t per_day = 1 + components.size();
  std::vector<Date> stale;
  for (size_t d = 0; d < counts.size(); ++d) {
    const absl::StatusOr<Reply>& n = (*replies)[d * per_day];
    int64_t applied = -1;
    if (n.ok() && n->type == Reply::Type::kString && !absl::SimpleAtoi(n->str, &applied)) {
      applied = -1;
    }
    bool complete = applied == counts[d].second;
    for (size_t part = 0; complete && part < components.size(); ++part) {
      const absl::StatusOr<Reply>& set = (*replies)[d * per_day + 1 + part];
      if (!set.ok() || set->type != Reply::Type::kArray) complete = false;
    }
    if (!complete) {
      stale.push_back(counts[d].first);
      continue;
    }
    for (size_t part = 0; part < components.size(); ++part) {
      const std::vector<Reply>& elements = (*replies)[d * per_day + 1 + part]->elements;
      for (size_t i = 0; i + 1 < elements.size(); i += 2) {
        double score = 0;
        if (!absl::SimpleAtod(elements[i + 1].str, &score)) continue;
        add(elements[i].str, part, static_cast<int64_t>(score));
      }
    }
  }
  // Rebuild the days Redis is missing or behind on, from the store, and use
  // the store's rows for them now.
  const std::string ttl_seconds = absl::StrCat(absl::ToInt64Seconds(options_.key_ttl));
  const std::vector<std::string> all = AllComponents();
  for (Date day : stale) {
    ASSIGN_OR_RETURN(std::vector<MemberDayTotals> rows, store_->TeamDayMemberTotals(team_id, day));
    add_from_store(rows);
    int64_t count = 0;
    DayValues values;
    for (const MemberDayTotals& row : rows) {
      AddTotals(row.member_id, row.totals, values);
      count += row.totals.count;
    }
    const std::string prefix = DayPrefix(team_id, day);
    std::vector<Command> rebuild = {{"MULTI"}};
    Command del = {"DEL", prefix + "n"};
    for (const std::string& component : all) del.push_back(prefix + component);
    rebuild.push_back(std::move(del));
    for (const auto& [component, members] : values) {
      Command zadd = {"ZADD", prefix + component};
      for (const auto& [member, value] : members) {
        zadd.push_back(absl::StrCat(value));
        zadd.push_back(member);
      }
      rebuild.push_back(std::move(zadd));
      rebuild.push_back({"EXPIRE", prefix + component, ttl_seconds});
    }
    rebuild.push_back({"SET", prefix + "n", absl::StrCat(count), "EX", ttl_seconds});
    rebuild.push_back({"EXEC"});
    (void)cache_->Pipeline(rebuild, {.timeout = options_.timeout, .retries = 0});
  }
  return ToScores(metric, sums);
}

}  // namespace salesteam::activity
