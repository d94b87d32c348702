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

}  // namespace

absl::Status Ingestor::Record(const auth::Principal& caller,
                              const google::protobuf::RepeatedPtrField<activitypb::Activity>& items,
                              google::protobuf::RepeatedPtrField<activitypb::RecordResult>* results,
                              IngestCounts* counts) {
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
  const absl::Time now = clock_();
  std::vector<Verdict> verdicts(n);
  std::vector<absl::Time> occurred(n);
  // The first valid occurrence of an id in the batch is the one recorded.
  absl::flat_hash_map<absl::string_view, int> first_of_id;
  std::vector<std::string> member_ids;
  absl::flat_hash_map<absl::string_view, int> member_seen;
  for (int i = 0; i < n; ++i) {
    const activitypb::Activity& item = items[i];
    const std::string field = IndexedField("activities", i);
    absl::Status valid = ValidateActivity(item, field, now);
    if (valid.ok() && caller.role == auth::Role::kRep && item.member_id() != caller.subject) {
      valid = absl::PermissionDeniedError(
          absl::StrCat(SubField(field, "member_id"), ": principal ", QuoteInput(caller.subject),
                       " (rep) may record only their own activities, not member ",
                       QuoteInput(item.member_id())));
    }
    if (!valid.ok()) {
      verdicts[i].rejection = std::move(valid);
      continue;
    }
    auto [first, inserted] = first_of_id.emplace(item.activity_id(), i);
    if (!inserted) {
      verdicts[i].duplicate = true;
      verdicts[i].first = first->second;
      continue;
    }
    verdicts[i].pending = true;
    occurred[i] = absl::FromUnixSeconds(item.occurred_at().seconds()) +
                  absl::Nanoseconds(item.occurred_at().nanos());
    if (member_seen.emplace(item.member_id(), 0).second) member_ids.push_back(item.member_id());
  }

  // The roster: members (with history) and their teams.
  clients::MemberLookup members;
  if (!member_ids.empty()) members = roster_->GetMembers(member_ids);
  absl::flat_hash_map<std::string, absl::StatusOr<std::shared_ptr<const TeamFacts>>> teams;
  auto team_status =
      [&](absl::string_view team_id) -> const absl::StatusOr<std::shared_ptr<const TeamFacts>>& {
    auto it = teams.find(team_id);
    if (it == teams.end()) it = teams.emplace(team_id, roster_->GetTeam(team_id)).first;
    return it->second;
  };
  auto team_for = [&](absl::string_view team_id) -> const TeamFacts* {
    const auto& team = team_status(team_id);
    return team.ok() ? team->get() : nullptr;
  };

  std::vector<NewActivity> batch;
  std::vector<int> batch_index;
  batch.reserve(n);
  for (int i = 0; i < n; ++i) {
    if (!verdicts[i].pending) continue;
    const activitypb::Activity& item = items[i];
    const std::string field = IndexedField("activities", i);
    auto reject = [&](absl::Status status) {
      verdicts[i].pending = false;
      verdicts[i].rejection = std::move(status);
    };
    if (members.unavailable.contains(item.member_id())) {
      reject(absl::UnavailableError(absl::StrCat(
          SubField(field, "member_id"), ": the roster could not be asked about member ",
          QuoteInput(item.member_id()), " (", members.unavailable_reason.message(),
          "); send the item again later")));
      continue;
    }
    auto found = members.found.find(item.member_id());
    if (found == members.found.end()) {
      reject(absl::NotFoundError(absl::StrCat(SubField(field, "member_id"), ": member ",
                                              QuoteInput(item.member_id()), " not found")));
      continue;
    }
    absl::StatusOr<Attribution> attribution =
        Attribute(*found->second, occurred[i], item.type(), team_for, field);
    if (!attribution.ok()) {
      if (attribution.status().code() == absl::StatusCode::kUnavailable) {
        // A team of the member's history could not be read: say why.
        for (const clients::RosterAssignment& assignment : found->second->assignments) {
          const auto& team = team_status(assignment.team_id);
          if (!team.ok()) {
            reject(absl::Status(team.status().code(),
                                absl::StrCat(SubField(field, "member_id"), ": team ",
                                             QuoteInput(assignment.team_id), " of member ",
                                             QuoteInput(item.member_id()),
                                             " could not be read: ", team.status().message())));
            break;
          }
        }
        if (verdicts[i].pending) reject(attribution.status());
      } else {
        reject(attribution.status());
      }
      continue;
    }
    if (caller.role == auth::Role::kManager && !caller.InTeam(attribution->team_id)) {
      reject(absl::PermissionDeniedError(absl::StrCat(
          SubField(field, "member_id"), ": principal ", QuoteInput(caller.subject),
          " (manager) may not record activities of team ", QuoteInput(attribution->team_id))));
      continue;
    }
    const TeamFacts* team = team_for(attribution->team_id);
    if (item.has_amount() && item.amount().currency_code() != team->currency_code) {
      reject(absl::InvalidArgumentError(absl::StrCat(
          SubField(SubField(field, "amount"), "currency_code"), ": must be the team's currency ",
          team->currency_code, ", got ", QuoteInput(item.amount().currency_code()),
          " (amounts in other currencies are not converted)")));
      continue;
    }
    const ActivityFingerprint fingerprint = FingerprintOf(item.activity_id());
    batch.push_back(
        {&item, fingerprint.hash, fingerprint.check, occurred[i], *std::move(attribution)});
    batch_index.push_back(i);
  }

  std::vector<RecordOutcome> outcomes;
  if (!batch.empty()) {
    ASSIGN_OR_RETURN(outcomes, store_->Record(batch, now));
  }

  results->Clear();
  results->Reserve(n);
  for (int i = 0; i < n; ++i) {
    activitypb::RecordResult* result = results->Add();
    result->set_activity_id(items[i].activity_id());
  }
  *counts = {};
  std::vector<NewActivity> accepted;
  accepted.reserve(batch.size());
  for (size_t k = 0; k < batch.size(); ++k) {
    activitypb::RecordResult* result = results->Mutable(batch_index[k]);
    switch (outcomes[k]) {
      case RecordOutcome::kAccepted:
        result->set_outcome(activitypb::RECORD_OUTCOME_ACCEPTED);
        accepted.push_back(batch[k]);
        break;
      case RecordOutcome::kDuplicate:
        result->set_outcome(activitypb::RECORD_OUTCOME_DUPLICATE);
        break;
      case RecordOutcome::kFingerprintCollision:
        verdicts[batch_index[k]].rejection = absl::AlreadyExistsError(absl::StrCat(
            IndexedField("activities", batch_index[k]),
            ".activity_id: shares its 64-bit fingerprint with an earlier, different id; "
            "send it under another id"));
        SetRejected(result, verdicts[batch_index[k]].rejection);
        break;
    }
  }
  for (int i = 0; i < n; ++i) {
    activitypb::RecordResult* result = results->Mutable(i);
    if (verdicts[i].duplicate) {
      // A repeat answers DUPLICATE unless its first occurrence was refused
      // (then nothing was recorded, and it is refused for the same reason).
      const activitypb::RecordResult& first = results->Get(verdicts[i].first);
      if (first.outcome() == activitypb::RECORD_OUTCOME_REJECTED) {
        *result = first;
        result->set_reason(absl::StrCat("as activities[", verdicts[i].first,
                                        "], which has the same activity_id: ", first.reason()));
      } else {
        result->set_outcome(activitypb::RECORD_OUTCOME_DUPLICATE);
      }
    } else if (!verdicts[i].rejection.ok() && !verdicts[i].pending) {
      SetRejected(result, verdicts[i].rejection);
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
  leaderboards_->Apply(accepted);
  return absl::OkStatus();
}

}  // namespace salesteam::activity
