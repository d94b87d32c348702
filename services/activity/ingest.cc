// The ingest pipeline's steps (see ingest.h), one function each.
#include "services/activity/ingest.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/time/date.h"
#include "common/time/timestamp.h"
#include "common/validation.h"

namespace salesteam::activity {
namespace {

// The verdict on one item before the store has answered.
struct Verdict {
  bool pending = false;  // valid so far: goes to the store
  absl::Status rejection;
  // A repeat of the id of item `first` earlier in the batch.
  bool duplicate = false;
  int first = -1;
};

void SetRejected(activitypb::RecordResult* result, const absl::Status& status) {
  result->set_outcome(activitypb::RECORD_OUTCOME_REJECTED);
  result->set_code(static_cast<int32_t>(status.code()));
  result->set_reason(std::string(status.message()));
  result->set_retryable(status.code() == absl::StatusCode::kUnavailable ||
                        status.code() == absl::StatusCode::kDeadlineExceeded ||
                        status.code() == absl::StatusCode::kResourceExhausted);
}

absl::Status CheckBatchSize(const google::protobuf::RepeatedPtrField<activitypb::Activity>& items) {
  const int n = items.size();
  if (n == 0) return absl::InvalidArgumentError("activities: at least one item is required");
  if (n > kMaxBatchItems) {
    return absl::ResourceExhaustedError(
        absl::StrCat("activities: at most ", kMaxBatchItems, " items per batch, got ", n));
  }
  int64_t bytes = 0;
  for (const activitypb::Activity& item : items) bytes += item.ByteSizeLong();
  if (bytes > kMaxBatchBytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("activities: at most ", kMaxBatchBytes, " bytes per batch, got ", bytes));
  }
  return absl::OkStatus();
}

// Who may record a member's activity is common/auth's rule for a member's
// data; the refusal names the item's field.
absl::Status InField(absl::string_view field, absl::Status status) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(SubField(field, "member_id"), ": ", status.message()));
}

// Amounts are kept in the team's currency of their day, never converted.
absl::Status CheckTeamCurrency(const activitypb::Activity& item, const Attribution& attribution,
                               absl::string_view field) {
  if (!item.has_amount() || item.amount().currency_code() == attribution.currency_code) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      SubField(SubField(field, "amount"), "currency_code"), ": must be the team's currency ",
      attribution.currency_code, " on ", periods::FormatIsoDate(attribution.local_day), ", got ",
      QuoteInput(item.amount().currency_code()),
      " (amounts in other currencies are not converted)"));
}

// The teams one batch is attributed to, each asked of the roster once.
class BatchTeams {
 public:
  explicit BatchTeams(clients::RosterClient& roster) : roster_(roster) {}

  const absl::StatusOr<std::shared_ptr<const TeamFacts>>& Get(absl::string_view team_id) {
    auto it = teams_.find(team_id);
    if (it == teams_.end()) it = teams_.emplace(team_id, roster_.GetTeam(team_id)).first;
    return it->second;
  }

  // Null when the team could not be read.
  const TeamFacts* Find(absl::string_view team_id) {
    const auto& team = Get(team_id);
    return team.ok() ? team->get() : nullptr;
  }

 private:
  clients::RosterClient& roster_;
  absl::flat_hash_map<std::string, absl::StatusOr<std::shared_ptr<const TeamFacts>>> teams_;
};

// Why attributing an activity of `member` failed: when a team of the
// member's history could not be read, which one and why.
absl::Status ExplainUnreadableTeam(absl::string_view member_id, const clients::RosterMember& member,
                                   const absl::Status& attribution, BatchTeams& teams,
                                   absl::string_view field) {
  if (attribution.code() != absl::StatusCode::kUnavailable) return attribution;
  // A team of the member's history could not be read: say which, and why.
  for (const clients::RosterAssignment& assignment : member.assignments) {
    const auto& team = teams.Get(assignment.team_id);
    if (!team.ok()) {
      return absl::Status(
          team.status().code(),
          absl::StrCat(SubField(field, "member_id"), ": team ", QuoteInput(assignment.team_id),
                       " of member ", QuoteInput(member_id),
                       " could not be read: ", team.status().message()));
    }
  }
  return attribution;
}

// One Record call's batch through the pipeline's steps, in order.
class IngestBatch {
 public:
  IngestBatch(const auth::Principal& caller,
              const google::protobuf::RepeatedPtrField<activitypb::Activity>& items, absl::Time now)
      : caller_(caller),
        items_(items),
        now_(now),
        verdicts_(items.size()),
        occurred_(items.size()) {}

  // Validates each item, checks a rep records only their own activity, and
  // answers a repeated id within the batch by its first valid occurrence.
  void ValidateAndDedupe();
  // Asks the roster for every member the valid items name.
  void LookUpMembers(clients::RosterClient& roster);
  // Attributes each valid item to its day's team and role, and checks that
  // the caller may record it and that its amount is in the team's currency.
  void AttributeAndAuthorize(clients::RosterClient& roster);
  // Records the items still valid (one store call) and answers every item.
  // Returns the accepted activities.
  absl::StatusOr<std::vector<NewActivity>> Record(
      ActivityStore& store, google::protobuf::RepeatedPtrField<activitypb::RecordResult>* results,
      IngestCounts* counts);

 private:
  void Reject(int i, absl::Status status) {
    verdicts_[i].pending = false;
    verdicts_[i].rejection = std::move(status);
  }
  absl::StatusOr<NewActivity> AttributeItem(int i, BatchTeams& teams);
  // Answers the items the store judged; returns those it accepted.
  std::vector<NewActivity> AnswerRecorded(
      absl::Span<const RecordOutcome> outcomes,
      google::protobuf::RepeatedPtrField<activitypb::RecordResult>* results);
  // Answers the repeats and the rejected items, and counts every answer.
  void AnswerTheRest(google::protobuf::RepeatedPtrField<activitypb::RecordResult>* results,
                     IngestCounts* counts);

  const auth::Principal& caller_;
  const google::protobuf::RepeatedPtrField<activitypb::Activity>& items_;
  const absl::Time now_;
  std::vector<Verdict> verdicts_;
  std::vector<absl::Time> occurred_;
  std::vector<std::string> member_ids_;  // of the valid items, once each
  clients::MemberLookup members_;
  // The items going to the store, and their places in the batch.
  std::vector<NewActivity> valid_;
  std::vector<int> valid_index_;
};

void IngestBatch::ValidateAndDedupe() {
  // The first valid occurrence of an id in the batch is the one recorded.
  absl::flat_hash_map<absl::string_view, int> first_of_id;
  absl::flat_hash_map<absl::string_view, int> member_seen;
  for (int i = 0; i < items_.size(); ++i) {
    const activitypb::Activity& item = items_[i];
    const std::string field = IndexedField("activities", i);
    absl::Status valid = ValidateActivity(item, field, now_);
    if (valid.ok()) {
      valid = InField(field, auth::PrecheckCanWriteMemberData(caller_, item.member_id()));
    }
    if (!valid.ok()) {
      verdicts_[i].rejection = std::move(valid);
      continue;
    }
    auto [first, inserted] = first_of_id.emplace(item.activity_id(), i);
    if (!inserted) {
      verdicts_[i].duplicate = true;
      verdicts_[i].first = first->second;
      continue;
    }
    verdicts_[i].pending = true;
    occurred_[i] = absl::FromUnixSeconds(item.occurred_at().seconds()) +
                   absl::Nanoseconds(item.occurred_at().nanos());
    if (member_seen.emplace(item.member_id(), 0).second) member_ids_.push_back(item.member_id());
  }
}

void IngestBatch::LookUpMembers(clients::RosterClient& roster) {
  if (!member_ids_.empty()) members_ = roster.GetMembers(member_ids_);
}

void IngestBatch::AttributeAndAuthorize(clients::RosterClient& roster) {
  BatchTeams teams(roster);
  valid_.reserve(items_.size());
  for (int i = 0; i < items_.size(); ++i) {
    if (!verdicts_[i].pending) continue;
    absl::StatusOr<NewActivity> attributed = AttributeItem(i, teams);
    if (!attributed.ok()) {
      Reject(i, std::move(attributed).status());
      continue;
    }
    valid_.push_back(*std::move(attributed));
    valid_index_.push_back(i);
  }
}

absl::StatusOr<NewActivity> IngestBatch::AttributeItem(int i, BatchTeams& teams) {
  const activitypb::Activity& item = items_[i];
  const std::string field = IndexedField("activities", i);
  if (members_.unavailable.contains(item.member_id())) {
    return absl::UnavailableError(
        absl::StrCat(SubField(field, "member_id"), ": the roster could not be asked about member ",
                     QuoteInput(item.member_id()), " (", members_.unavailable_reason.message(),
                     "); send the item again later"));
  }
  auto found = members_.found.find(item.member_id());
  if (found == members_.found.end()) {
    return absl::NotFoundError(absl::StrCat(SubField(field, "member_id"), ": member ",
                                            QuoteInput(item.member_id()), " not found"));
  }
  const clients::RosterMember& member = *found->second;
  absl::StatusOr<Attribution> attribution = Attribute(
      member, occurred_[i], item.type(),
      [&teams](absl::string_view team_id) { return teams.Find(team_id); }, field);
  if (!attribution.ok()) {
    return ExplainUnreadableTeam(item.member_id(), member, attribution.status(), teams, field);
  }
  RETURN_IF_ERROR(
      InField(field, auth::CheckCanWriteMemberData(caller_, item.member_id(), [&attribution] {
                return absl::StatusOr<std::string>(attribution->team_id);
              })));
  RETURN_IF_ERROR(CheckTeamCurrency(item, *attribution, field));
  const ActivityFingerprint fingerprint = FingerprintOf(item.activity_id());
  return NewActivity{&item, fingerprint.hash, fingerprint.check, occurred_[i],
                     *std::move(attribution)};
}

absl::StatusOr<std::vector<NewActivity>> IngestBatch::Record(
    ActivityStore& store, google::protobuf::RepeatedPtrField<activitypb::RecordResult>* results,
    IngestCounts* counts) {
  std::vector<RecordOutcome> outcomes;
  if (!valid_.empty()) {
    ASSIGN_OR_RETURN(outcomes, store.Record(valid_, now_));
  }
  results->Clear();
  results->Reserve(items_.size());
  for (const activitypb::Activity& item : items_)
    results->Add()->set_activity_id(item.activity_id());
  std::vector<NewActivity> accepted = AnswerRecorded(outcomes, results);
  AnswerTheRest(results, counts);
  return accepted;
}

std::vector<NewActivity> IngestBatch::AnswerRecorded(
    absl::Span<const RecordOutcome> outcomes,
    google::protobuf::RepeatedPtrField<activitypb::RecordResult>* results) {
  std::vector<NewActivity> accepted;
  accepted.reserve(valid_.size());
  for (size_t k = 0; k < valid_.size(); ++k) {
    const int i = valid_index_[k];
    activitypb::RecordResult* result = results->Mutable(i);
    switch (outcomes[k]) {
      case RecordOutcome::kAccepted:
        result->set_outcome(activitypb::RECORD_OUTCOME_ACCEPTED);
        accepted.push_back(valid_[k]);
        break;
      case RecordOutcome::kDuplicate:
        result->set_outcome(activitypb::RECORD_OUTCOME_DUPLICATE);
        break;
      case RecordOutcome::kFingerprintCollision:
        verdicts_[i].rejection = absl::AlreadyExistsError(absl::StrCat(
            IndexedField("activities", i),
            ".activity_id: shares its 64-bit fingerprint with an earlier, different id; "
            "send it under another id"));
        SetRejected(result, verdicts_[i].rejection);
        break;
    }
  }
  return accepted;
}

void IngestBatch::AnswerTheRest(
    google::protobuf::RepeatedPtrField<activitypb::RecordResult>* results, IngestCounts* counts) {
  *counts = {};
  for (int i = 0; i < items_.size(); ++i) {
    activitypb::RecordResult* result = results->Mutable(i);
    const Verdict& verdict = verdicts_[i];
    if (verdict.duplicate) {
      // A repeat answers DUPLICATE unless its first occurrence was refused
      // (then nothing was recorded, and it is refused for the same reason).
      const activitypb::RecordResult& first = results->Get(verdict.first);
      if (first.outcome() == activitypb::RECORD_OUTCOME_REJECTED) {
        *result = first;
        result->set_reason(absl::StrCat("as activities[", verdict.first,
                                        "], which has the same activity_id: ", first.reason()));
      } else {
        result->set_outcome(activitypb::RECORD_OUTCOME_DUPLICATE);
      }
    } else if (!verdict.rejection.ok() && !verdict.pending) {
      SetRejected(result, verdict.rejection);
    }
    switch (result->outcome()) {
      case activitypb::RECORD_OUTCOME_ACCEPTED:
        ++counts->accepted;
        break;
      case activitypb::RECORD_OUTCOME_DUPLICATE:
        ++counts->duplicate;
        break;
      default:
        ++counts->rejected;
        break;
    }
  }
}

}  // namespace

absl::Status Ingestor::Record(const auth::Principal& caller,
                              const google::protobuf::RepeatedPtrField<activitypb::Activity>& items,
                              google::protobuf::RepeatedPtrField<activitypb::RecordResult>* results,
                              IngestCounts* counts) {
  RETURN_IF_ERROR(CheckBatchSize(items));
  IngestBatch batch(caller, items, clock_());
  batch.ValidateAndDedupe();
  batch.LookUpMembers(*roster_);
  batch.AttributeAndAuthorize(*roster_);
  ASSIGN_OR_RETURN(const std::vector<NewActivity> accepted, batch.Record(*store_, results, counts));
  leaderboards_->Apply(accepted);
  return absl::OkStatus();
}

}  // namespace salesteam::activity
