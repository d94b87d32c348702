// The activity stream loadgen sends: a deterministic (seeded) generator of
// what a sales team's CRM and dialers would report. Activity types follow a
// configurable mix; each item belongs to a rep whose role does that kind of
// work (on an assembly line, the owner of the type's stage); occurred_at
// falls on a weekday between 08:00 and 18:00 in the rep's team's time zone
// within the last `days`; deals move lead -> meeting scheduled -> meeting
// held -> proposal -> won or lost under one deal_id, in time order; won
// deals carry an amount in the team's currency; logged time is 15..240
// minutes, about 35% of it selling. activity_ids are random 96-bit hex
// strings, as a CRM's UUID-like event ids are (never time ordered).
//
// A configurable share of items resend an earlier item unchanged (the
// service must answer DUPLICATE) and another share are wrong on purpose (the
// service must answer REJECTED): minutes 0, a date days ahead, an unknown
// member, a won deal without an amount, an amount in another currency.
//
// The same seed, stream, id key, roster and `now` give the same items; the
// stream number lets each worker draw its own sequence from one seed, and the
// id key gives another run (or phase) of the same content fresh ids.
#ifndef SALESTEAM_TOOLS_LOADGEN_GENERATOR_H_
#define SALESTEAM_TOOLS_LOADGEN_GENERATOR_H_

#include <array>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "salesteam/activity/v1/activity.pb.h"
#include "salesteam/roster/v1/roster.pb.h"
#include "services/activity/domain.h"

namespace salesteam::loadgen {

namespace activitypb = ::salesteam::activity::v1;
namespace rosterpb = ::salesteam::roster::v1;

// Relative weight of each activity type, indexed by the ActivityType value
// (index 0, UNSPECIFIED, is never generated).
struct ActivityMix {
  static constexpr int kTypes = activitypb::ActivityType_ARRAYSIZE;
  std::array<double, kTypes> weight{};
};

// calls=40,emails=25,leads=10,follow_ups=8,meetings_scheduled=5,
// meetings_held=4,proposals=3,won=1,lost=1,referrals=1,partnerships=0.5,
// time_logged=1.5: a week of a typical outbound team, per 100 items.
ActivityMix DefaultMix();

// "calls=40,emails=25,..." with the names above; weights are relative (they
// need not add up to 100) and types not named are not generated.
// INVALID_ARGUMENT naming the entry for an unknown name, a repeated name, a
// weight that is not a finite number >= 0, or a mix of only zeros.
absl::StatusOr<ActivityMix> ParseMix(absl::string_view text);

// The mix in ParseMix's syntax, zero weights left out.
std::string FormatMix(const ActivityMix& mix);

// The teams and members items are generated for.
struct LoadRoster {
  struct Member {
    std::string id;
    int team = 0;  // index into teams
    rosterpb::MemberRole role = rosterpb::MEMBER_ROLE_UNSPECIFIED;
  };
  std::vector<activity::TeamFacts> teams;
  std::vector<Member> members;
};

struct GeneratorOptions {
  uint64_t seed = 1;
  // Independent sequences from one seed (one per worker).
  uint64_t stream = 0;
  // Keys activity and deal ids only: the same content under other ids.
  uint64_t id_key = 0;
  ActivityMix mix = DefaultMix();
  // occurred_at lies within the last `days` days (1..400).
  int days = 30;
  // Shares of items that resend an earlier good item, and that are invalid.
  double duplicate_rate = 0.01;
  double bad_rate = 0.001;
  // The present, as the service will see it (roughly).
  absl::Time now = absl::UnixEpoch();
  std::string source_system = "loadgen";
};

// INVALID_ARGUMENT naming the option: days outside 1..400, a rate outside
// [0, 1], or duplicate_rate + bad_rate >= 1.
absl::Status ValidateGeneratorOptions(const GeneratorOptions& options);

// What the service should answer an item.
enum class ItemKind { kGood, kDuplicate, kBad };

// How many items of each kind were generated.
struct ItemCounts {
  int64_t good = 0;
  int64_t duplicate = 0;
  int64_t bad = 0;

  int64_t total() const { return good + duplicate + bad; }
  ItemCounts& operator+=(const ItemCounts& other) {
    good += other.good;
    duplicate += other.duplicate;
    bad += other.bad;
    return *this;
  }
};

// Not thread-safe: one per worker.
class ActivityGenerator {
 public:
  // `roster` needs at least one team and one member whose team index is
  // valid, and must outlive the generator. INVALID_ARGUMENT otherwise, or
  // when the options are invalid.
  static absl::StatusOr<std::unique_ptr<ActivityGenerator>> Create(const LoadRoster* roster,
                                                                   GeneratorOptions options);

  // Overwrites `item` with the next item and says what it is.
  ItemKind Next(activitypb::Activity* item);

  // Replaces `items` with the next `n` items and adds their kinds to `counts`.
  void NextBatch(int n, google::protobuf::RepeatedPtrField<activitypb::Activity>* items,
                 ItemCounts* counts);

 private:
  // A deal on its way through the funnel.
  struct Deal {
    std::string id;
    int owner = 0;  // member index
    int64_t value_minor = 0;
    absl::Time last;  // occurred_at of its latest activity
  };
  enum class BadKind { kZeroMinutes, kFuture, kUnknownMember, kWonWithoutAmount, kWrongCurrency };
  // Deals waiting for the next funnel step, per step they have reached:
  // lead, meeting scheduled, meeting held, proposal sent.
  static constexpr int kOpenStages = 4;
  // Open deals kept per stage; beyond it the oldest-looking go stale (a
  // random one is dropped), as unworked leads do.
  static constexpr size_t kMaxOpenDeals = 4096;
  // Earlier good items a duplicate is drawn from.
  static constexpr size_t kRecentItems = 2048;

  ActivityGenerator(const LoadRoster* roster, GeneratorOptions options);

  void NextGood(activitypb::Activity* item);
  void NextBad(activitypb::Activity* item);
  // Common fields of a fresh item.
  void Start(activitypb::Activity* item, activitypb::ActivityType type, int member,
             absl::Time occurred_at);
  activitypb::ActivityType PickType();
  int PickMember(activitypb::ActivityType type);
  // Who does `type` for the deal: the owner on an island, a member of the
  // stage's owning role on an assembly line.
  int DealMember(const Deal& deal, activitypb::ActivityType type);
  absl::Time RandomWorkingTime(const absl::TimeZone& zone);
  absl::Time WorkingTimeAfter(const absl::TimeZone& zone, absl::Time after);
  std::string NewId(int hex_chars);
  void Remember(const activitypb::Activity& item);
  void Keep(int stage, Deal deal);
  // Removes and returns a random deal waiting at `stage`, if any.
  bool TakeDeal(int stage, Deal* deal);

  const LoadRoster* roster_;
  const GeneratorOptions options_;
  std::mt19937_64 rng_;
  std::mt19937_64 id_rng_;
  // Running sums of the mix's weights, by type value.
  std::array<double, ActivityMix::kTypes> cumulative_weight_{};
  // Members who do each type (all teams), and per team and type.
  std::array<std::vector<int>, ActivityMix::kTypes> doers_;
  std::vector<std::array<std::vector<int>, ActivityMix::kTypes>> team_doers_;
  std::array<std::vector<Deal>, kOpenStages> open_deals_;
  std::vector<activitypb::Activity> recent_;
  size_t recent_next_ = 0;
};

}  // namespace salesteam::loadgen

#endif  // SALESTEAM_TOOLS_LOADGEN_GENERATOR_H_
