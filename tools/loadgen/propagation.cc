// roster_propagation: how long a roster change takes to reach the activity
// service's attribution, measured from outside as a client sees it
// (docs/benchmarks.md, "Roster changes reach activity").
//
// It creates a team and a rep, then, --changes times: changes the rep's hire
// date across an activity day X (after X: activities on X are refused, the
// rep was not yet hired; before X: accepted) and at once records an activity
// on X, again and again, until the outcome matches the change. The figure is
// the time from the roster's answer to the first matching outcome (so it
// includes one RecordActivities call: that is the floor). It also watches
// the roster's change feed and reports the time from each change's commit
// time to its arrival.
//
//   roster_propagation --changes=500   (--roster_address, --activity_address)
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/auth/auth.h"
#include "common/config.h"
#include "common/status.h"
#include "common/time/date.h"
#include "common/time/timestamp.h"
#include "grpcpp/grpcpp.h"
#include "salesteam/activity/v1/activity.grpc.pb.h"
#include "salesteam/roster/v1/roster.grpc.pb.h"

ABSL_FLAG(std::string, roster_address, "127.0.0.1:50051", "the roster service");
ABSL_FLAG(std::string, activity_address, "127.0.0.1:50052", "the activity service");
ABSL_FLAG(int, changes, 500, "roster changes to measure");
ABSL_FLAG(absl::Duration, give_up, absl::Seconds(30),
          "a change not reflected in attribution after this long counts as lost");

namespace salesteam {
namespace {

namespace rosterpb = ::salesteam::roster::v1;
namespace activitypb = ::salesteam::activity::v1;

struct Clients {
  std::unique_ptr<rosterpb::RosterService::Stub> roster;
  std::unique_ptr<activitypb::ActivityService::Stub> activity;
  std::string admin_token;
  std::string service_token;
};

std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auth::AttachBearerToken(*context, token);
  return context;
}

int Fail(absl::string_view what, const grpc::Status& status) {
  std::fprintf(stderr, "roster_propagation: %s: %s\n", std::string(what).c_str(),
               status.error_message().c_str());
  return 1;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index = std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  return values[index];
}

void PrintFigures(absl::string_view name, const std::vector<double>& ms) {
  std::printf("%s: n=%zu p50=%.2f ms p90=%.2f ms p99=%.2f ms max=%.2f ms\n",
              std::string(name).c_str(), ms.size(), Percentile(ms, 0.5), Percentile(ms, 0.9),
              Percentile(ms, 0.99), ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end()));
}

// Watches the feed from the head; records commit-to-arrival per change.
class FeedWatch {
 public:
  FeedWatch(rosterpb::RosterService::Stub* roster, const std::string& token) {
    context_ = Context(token);
    context_->set_deadline(std::chrono::system_clock::time_point::max());
    rosterpb::WatchRosterChangesRequest request;
    request.set_start_at_head(true);
    reader_ = roster->WatchRosterChanges(context_.get(), request);
    thread_ = std::thread([this] {
      rosterpb::WatchRosterChangesResponse response;
      while (reader_->Read(&response)) {
        const absl::Time now = absl::Now();
        absl::MutexLock lock(&mu_);
        for (const rosterpb::RosterChange& change : response.changes()) {
          absl::StatusOr<absl::Time> committed =
              periods::TimeFromProto(change.commit_time(), "commit_time");
          if (committed.ok()) delays_ms_.push_back(absl::ToDoubleMilliseconds(now - *committed));
        }
      }
    });
  }
  ~FeedWatch() {
    context_->TryCancel();
    thread_.join();
    reader_->Finish().ok();  // how it ended does not matter: it was cancelled
  }
  std::vector<double> delays_ms() {
    absl::MutexLock lock(&mu_);
    return delays_ms_;
  }

 private:
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReader<rosterpb::WatchRosterChangesResponse>> reader_;
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<double> delays_ms_ ABSL_GUARDED_BY(mu_);
};

absl::StatusOr<Clients> Connect() {
  ASSIGN_OR_RETURN(auth::JwtSecret secret, auth::LoadJwtSecret());
  Clients clients;
  clients.roster = rosterpb::RosterService::NewStub(
      grpc::CreateChannel(absl::GetFlag(FLAGS_roster_address), grpc::InsecureChannelCredentials()));
  clients.activity = activitypb::ActivityService::NewStub(grpc::CreateChannel(
      absl::GetFlag(FLAGS_activity_address), grpc::InsecureChannelCredentials()));
  ASSIGN_OR_RETURN(
      clients.admin_token,
      auth::MintToken(secret.value,
                      {.subject = "propagation", .role = auth::Role::kAdmin, .teams = {}},
                      absl::Hours(2), absl::Now()));
  ASSIGN_OR_RETURN(
      clients.service_token,
      auth::MintToken(secret.value,
                      {.subject = "propagation", .role = auth::Role::kService, .teams = {}},
                      absl::Hours(2), absl::Now()));
  return clients;
}

// A new island team (UTC, USD) and a full-cycle rep in it hired on `hired`.
grpc::Status CreateRep(Clients& clients, periods::Date hired, rosterpb::Member* rep) {
  rosterpb::CreateTeamRequest create_team;
  rosterpb::Team& team = *create_team.mutable_team();
  team.set_name(absl::StrCat("Propagation ", absl::ToUnixMicros(absl::Now())));
  team.set_time_zone("UTC");
  team.set_currency_code("USD");
  team.set_sales_model(rosterpb::SALES_MODEL_ISLAND);
  team.mutable_expectation_policy()->set_min_attainment_bps(8000);
  team.mutable_expectation_policy()->set_consecutive_periods(2);
  rosterpb::CreateTeamResponse created_team;
  grpc::Status status =
      clients.roster->CreateTeam(Context(clients.admin_token).get(), create_team, &created_team);
  if (!status.ok()) return status;
  rosterpb::CreateMemberRequest create_member;
  rosterpb::Member& member = *create_member.mutable_member();
  member.set_name("Pat Propagation");
  member.set_email(absl::StrCat("pat.", absl::ToUnixMicros(absl::Now()), "@propagation.example"));
  member.set_value_tier(2);
  periods::DateToProto(hired, member.mutable_hire_date());
  create_member.set_team_id(created_team.team().id());
  create_member.set_role(rosterpb::MEMBER_ROLE_FULL_CYCLE);
  rosterpb::CreateMemberResponse created_member;
  status = clients.roster->CreateMember(Context(clients.admin_token).get(), create_member,
                                        &created_member);
  if (status.ok()) *rep = created_member.member();
  return status;
}

grpc::Status ChangeHireDate(Clients& clients, periods::Date hired, rosterpb::Member* member) {
  rosterpb::UpdateMemberRequest update;
  update.mutable_member()->set_id(member->id());
  update.mutable_member()->set_version(member->version());
  periods::DateToProto(hired, update.mutable_member()->mutable_hire_date());
  update.mutable_update_mask()->add_paths("hire_date");
  rosterpb::UpdateMemberResponse updated;
  grpc::Status status =
      clients.roster->UpdateMember(Context(clients.admin_token).get(), update, &updated);
  if (status.ok()) *member = updated.member();
  return status;
}

// Records a call of `member_id` at noon (UTC) of `day`; whether it was refused.
absl::StatusOr<bool> RecordRefused(Clients& clients, const std::string& member_id,
                                   periods::Date day, int64_t id) {
  activitypb::RecordActivitiesRequest record;
  activitypb::Activity& activity = *record.add_activities();
  activity.set_activity_id(absl::StrCat("propagation-", member_id, "-", id));
  activity.set_member_id(member_id);
  activity.set_type(activitypb::ACTIVITY_TYPE_CALL_MADE);
  periods::TimeToProto(absl::FromCivil(absl::CivilSecond(day) + 12 * 3600, absl::UTCTimeZone()),
                       activity.mutable_occurred_at());
  activitypb::RecordActivitiesResponse recorded;
  grpc::Status status =
      clients.activity->RecordActivities(Context(clients.service_token).get(), record, &recorded);
  if (!status.ok()) return absl::UnavailableError(status.error_message());
  return recorded.rejected_count() == 1;
}

int Run() {
  absl::StatusOr<Clients> clients = Connect();
  if (!clients.ok()) {
    std::fprintf(stderr, "roster_propagation: %s\n", clients.status().ToString().c_str());
    return 1;
  }
  const periods::Date today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  const periods::Date day = today - 5;  // the activity day X
  const periods::Date hired_before = today - 10;
  const periods::Date hired_after = today - 3;
  rosterpb::Member member;
  if (grpc::Status s = CreateRep(*clients, hired_before, &member); !s.ok()) {
    return Fail("creating the team and rep", s);
  }

  FeedWatch watch(clients->roster.get(), clients->admin_token);
  std::vector<double> propagation_ms;
  int first_try = 0;
  int lost = 0;
  int64_t next_id = 0;
  const int changes = absl::GetFlag(FLAGS_changes);
  for (int i = 0; i < changes; ++i) {
    const bool hired_later = i % 2 == 0;  // then activities on X are refused
    if (grpc::Status s =
            ChangeHireDate(*clients, hired_later ? hired_after : hired_before, &member);
        !s.ok()) {
      return Fail("UpdateMember", s);
    }
    const absl::Time committed = absl::Now();
    bool reflected = false;
    for (int attempt = 0; !reflected; ++attempt) {
      if (absl::Now() - committed > absl::GetFlag(FLAGS_give_up)) break;
      absl::StatusOr<bool> refused = RecordRefused(*clients, member.id(), day, next_id++);
      if (!refused.ok()) {
        std::fprintf(stderr, "roster_propagation: RecordActivities: %s\n",
                     refused.status().ToString().c_str());
        return 1;
      }
      reflected = *refused == hired_later;
      if (reflected) {
        propagation_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - committed));
        if (attempt == 0) ++first_try;
      }
    }
    if (!reflected) ++lost;
  }
  absl::SleepFor(absl::Milliseconds(200));  // the last changes' arrival
  std::printf("roster_propagation: %d hire-date changes of member %s across %s\n", changes,
              member.id().c_str(), periods::FormatIsoDate(day).c_str());
  PrintFigures("roster answer -> first activity attributed with the change", propagation_ms);
  std::printf("right on the first RecordActivities after the roster's answer: %d of %d\n",
              first_try, changes);
  std::printf("not reflected within --give_up: %d\n", lost);
  PrintFigures("roster commit -> change received by a WatchRosterChanges client",
               watch.delays_ms());
  return lost == 0 ? 0 : 1;
}

}  // namespace
}  // namespace salesteam

int main(int argc, char** argv) {
  salesteam::ParseFlagsWithEnv(argc, argv);
  return salesteam::Run();
}
