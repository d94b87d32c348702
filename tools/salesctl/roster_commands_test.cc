// Runs salesctl's roster commands the way a person or a script does, against
// a real roster server (RosterServiceImpl over SQLite, behind the suite's
// gRPC server) started in this process on a loopback port, and checks what
// they print, their --json and their exit codes. The server's clock is fixed
// at 2026-03-16 so that dates, overdue days and "today" are stable; every
// date a command sends is given explicitly.
#include <stdio.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "roster_migrations.h"
#include "salesteam/roster/v1/roster.pb.h"

#include "common/auth/auth.h"
#include "common/cache/fake_cache.h"
#include "common/server/server.h"
#include "common/store/database.h"
#include "common/store/migrations.h"
#include "common/testing/service_harness.h"
#include "common/testing/status_matchers.h"
#include "common/testing/test_env.h"
#include "services/roster/roster_service.h"

namespace salesteam::salesctl {
namespace {

namespace rosterpb = ::salesteam::roster::v1;

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kSecret[] = "roster-commands-test-secret-roster-commands";
// The server's today.
const absl::CivilDay kToday(2026, 3, 16);

std::string Day(int days_from_today) { return absl::FormatCivilTime(kToday + days_from_today); }

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

class RosterCommandsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::MakeTempDir("roster-commands"));
    absl::StatusOr<std::unique_ptr<testing::ServiceHarness>> harness =
        testing::ServiceHarness::Create(
            {.migrations = &migrations::roster(),
             .cache = testing::CacheKind::kFake,
             .start = absl::FromCivil(kToday + 0, absl::UTCTimeZone()) + absl::Hours(12),
             .secret = kSecret,
             .server_options = [](server::ServerOptions& options) {
               options.call_log = [](absl::string_view) {};
             }});
    ASSERT_OK(harness.status());
    harness_ = harness->release();
    roster::RosterServiceOptions options;
    options.page_token_key = kSecret;
    options.clock = harness_->clock().AsFunction();
    ASSERT_OK(harness_->Serve(
        rosterpb::RosterService::service_full_name(),
        std::make_unique<roster::RosterServiceImpl>(&harness_->db(), &harness_->cache(), options)));
  }

  static void TearDownTestSuite() {
    delete harness_;
    std::system(absl::StrCat("rm -rf ", *dir_).c_str());
    delete dir_;
  }

  // Runs `salesctl <args>` against the test server with a clean SALESTEAM_*
  // environment; salesctl mints its own admin token with the test secret.
  static Outcome Salesctl(const std::string& args) {
    const std::string err_file = absl::StrCat(*dir_, "/stderr");
    const std::string command =
        absl::StrCat("env -u SALESTEAM_TOKEN -u SALESTEAM_JSON SALESTEAM_JWT_SECRET=", kSecret,
                     " SALESTEAM_ROSTER_ADDRESS=", harness_->address(), " ", SALESCTL_BINARY, " ",
                     args, " 2>", err_file);
    Outcome run;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return run;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) run.out.append(buffer, n);
    const int status = pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.err = ReadFile(err_file);
    return run;
  }

  // Runs `salesctl <args> --json`, which must succeed, and parses its output.
  template <typename Response>
  static Response Json(const std::string& args) {
    Outcome run = Salesctl(absl::StrCat(args, " --json"));
    Response response;
    EXPECT_EQ(run.exit_code, 0) << args << "\n" << run.err;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(run.out, &response).ok())
        << args << "\n"
        << run.out;
    return response;
  }

  // A new team; `name` must be unique within the test suite.
  static rosterpb::Team CreateTeam(const std::string& name, const std::string& model,
                                   const std::string& extra = "") {
    return Json<rosterpb::CreateTeamResponse>(
               absl::StrCat("team-create --name='", name,
                            "' --time_zone=Europe/Berlin --currency=EUR --model=", model,
                            " --min_attainment_bps=9000 --consecutive_periods=2 ", extra))
        .team();
  }

  static rosterpb::Member CreateMember(const std::string& team_id, const std::string& role,
                                       const std::string& name, const std::string& extra = "") {
    std::string email = absl::AsciiStrToLower(name);
    absl::StrReplaceAll({{" ", "."}}, &email);
    return Json<rosterpb::CreateMemberResponse>(
               absl::StrCat("member-create --team=", team_id, " --member_role=", role, " --name='",
                            name, "' --email=", email, "@example.com",
                            " --value_tier=2 --hire_date=", Day(-400), " ", extra))
        .member();
  }

  static std::string* dir_;
  static testing::ServiceHarness* harness_;
};

std::string* RosterCommandsTest::dir_ = nullptr;
testing::ServiceHarness* RosterCommandsTest::harness_ = nullptr;

// The line of `text` that contains `needle`, or "".
std::string LineWith(const std::string& text, absl::string_view needle) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StrContains(line, needle)) return std::string(line);
  }
  return "";
}

TEST_F(RosterCommandsTest, TeamCreateGetUpdateAndList) {
  rosterpb::Team team =
      CreateTeam("Lifecycle Island", "island", "--cadence=product-knowledge:30,prospecting:14");
  ASSERT_FALSE(team.id().empty());
  EXPECT_EQ(team.sales_model(), rosterpb::SALES_MODEL_ISLAND);
  EXPECT_EQ(team.expectation_policy().min_attainment_bps(), 9000);
  ASSERT_THAT(team.training_cadence(), SizeIs(2));
  EXPECT_EQ(team.training_cadence(1).area(), rosterpb::TRAINING_AREA_PROSPECTING);
  EXPECT_EQ(team.training_cadence(1).max_days_between_sessions(), 14);

  // Human output: key: value with aligned values, enums as words.
  Outcome get = Salesctl(absl::StrCat("team-get ", team.id()));
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_THAT(get.out, ContainsRegex("\nsales_model: +island\n"));
  EXPECT_THAT(get.out, ContainsRegex("\ntime_zone: +Europe/Berlin\n"));
  EXPECT_THAT(get.out, ContainsRegex("under-performing below 90% of quota for 2 periods"));
  EXPECT_THAT(get.out, ContainsRegex("product-knowledge: +every 30 days"));
  EXPECT_EQ(LineWith(get.out, "name:").find("Lifecycle"),
            LineWith(get.out, "time_zone:").find("Europe"));

  // Only the flags given change (they make the update mask); the version is
  // read first.
  rosterpb::Team renamed = Json<rosterpb::UpdateTeamResponse>(
                               absl::StrCat("team-update ", team.id(),
                                            " --name='Lifecycle Isle' --consecutive_periods=3"))
                               .team();
  EXPECT_EQ(renamed.name(), "Lifecycle Isle");
  EXPECT_EQ(renamed.version(), team.version() + 1);
  EXPECT_EQ(renamed.time_zone(), "Europe/Berlin");
  EXPECT_THAT(renamed.training_cadence(), SizeIs(2));
  // The other half of the expectation policy stays.
  EXPECT_EQ(renamed.expectation_policy().min_attainment_bps(), 9000);
  EXPECT_EQ(renamed.expectation_policy().consecutive_periods(), 3);

  // An explicit stale version is refused by the server: exit 1, code and message.
  Outcome stale = Salesctl(absl::StrCat("team-update ", team.id(), " --currency=USD",
                                        " --expected_version=", team.version()));
  EXPECT_EQ(stale.exit_code, 1);
  EXPECT_THAT(stale.err, HasSubstr("ABORTED"));

  Outcome list = Salesctl("team-list");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const std::string header = LineWith(list.out, "ID");
  const std::string row = LineWith(list.out, team.id());
  EXPECT_THAT(row, ContainsRegex("Lifecycle Isle +island +Europe/Berlin +EUR"));
  EXPECT_EQ(header.find("MODEL"), row.find("island"));
}

TEST_F(RosterCommandsTest, ListsPageThroughEverythingUnlessAPageIsAsked) {
  for (int i = 0; i < 3; ++i) CreateTeam(absl::StrCat("Paging ", i), "assembly-line");
  rosterpb::ListTeamsResponse all = Json<rosterpb::ListTeamsResponse>("team-list");
  EXPECT_GE(all.teams_size(), 3);
  EXPECT_TRUE(all.next_page_token().empty());

  rosterpb::ListTeamsResponse first = Json<rosterpb::ListTeamsResponse>("team-list --page_size=1");
  ASSERT_THAT(first.teams(), SizeIs(1));
  ASSERT_FALSE(first.next_page_token().empty());
  rosterpb::ListTeamsResponse second = Json<rosterpb::ListTeamsResponse>(
      absl::StrCat("team-list --page_size=1 --page_token=", first.next_page_token()));
  ASSERT_THAT(second.teams(), SizeIs(1));
  EXPECT_NE(second.teams(0).id(), first.teams(0).id());

  Outcome human = Salesctl("team-list --page_size=1");
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_THAT(human.out, HasSubstr(absl::StrCat("next page: --page_token=")));
}

TEST_F(RosterCommandsTest, MemberCreateGetUpdateMoveDeactivate) {
  rosterpb::Team island = CreateTeam("Members Island", "island");
  rosterpb::Team line = CreateTeam("Members Line", "assembly-line");

  rosterpb::Member manager = CreateMember(island.id(), "manager", "Mara Manager");
  rosterpb::Team managed =
      Json<rosterpb::UpdateTeamResponse>(
          absl::StrCat("team-update ", island.id(), " --manager=", manager.id()))
          .team();
  EXPECT_EQ(managed.manager_id(), manager.id());

  rosterpb::Member ada = CreateMember(
      island.id(), "full-cycle", "Ada Jürgens",
      "--archetype=builder --skills=prospecting:5,presenting:2 --motivators=money,growth "
      "--channels='email:ada@example.com:preferred,mobile:+49 151 2345678'");
  EXPECT_EQ(ada.role(), rosterpb::MEMBER_ROLE_FULL_CYCLE);
  EXPECT_EQ(ada.archetype(), rosterpb::ARCHETYPE_BUILDER);
  ASSERT_THAT(ada.skills(), SizeIs(2));
  EXPECT_EQ(ada.skills(0).skill(), rosterpb::SKILL_PROSPECTING);
  EXPECT_EQ(ada.skills(0).level(), 5);
  ASSERT_THAT(ada.contact_channels(), SizeIs(2));
  EXPECT_TRUE(ada.contact_channels(0).preferred());
  EXPECT_EQ(ada.contact_channels(1).kind(), rosterpb::CONTACT_CHANNEL_KIND_MOBILE);
  EXPECT_EQ(ada.contact_channels(1).address(), "+49 151 2345678");
  EXPECT_FALSE(ada.contact_channels(1).preferred());

  Outcome get = Salesctl(absl::StrCat("member-get ", ada.id()));
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_THAT(get.out, ContainsRegex("\nrole: +full-cycle\n"));
  EXPECT_THAT(get.out, ContainsRegex("\nskills: +prospecting:5, presenting:2\n"));
  EXPECT_THAT(get.out, ContainsRegex("\nmotivators: +money, growth\n"));
  EXPECT_THAT(get.out, ContainsRegex("\nvalue_tier: +2\n"));
  EXPECT_THAT(get.out, ContainsRegex("email: +ada@example.com \\(preferred\\)\n"));
  EXPECT_THAT(get.out, ContainsRegex(absl::StrCat("\nhire_date: +", Day(-400), "\n")));
  EXPECT_THAT(get.out, ContainsRegex("\nactive: +yes\n"));

  // The update mask is the flags given: the skills stay.
  rosterpb::Member tiered = Json<rosterpb::UpdateMemberResponse>(
                                absl::StrCat("member-update ", ada.id(), " --value_tier=1"))
                                .member();
  EXPECT_EQ(tiered.value_tier(), 1);
  EXPECT_EQ(tiered.version(), ada.version() + 1);
  EXPECT_THAT(tiered.skills(), SizeIs(2));

  // Team and role change only with member-move, from a date on.
  Outcome wrong = Salesctl(absl::StrCat("member-update ", ada.id(), " --member_role=manager"));
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_THAT(wrong.err, HasSubstr("member-move"));

  rosterpb::Member moved =
      Json<rosterpb::MoveMemberResponse>(
          absl::StrCat("member-move ", ada.id(), " --team=", line.id(),
                       " --member_role=account-executive --effective_date=", Day(-30)))
          .member();
  EXPECT_EQ(moved.team_id(), line.id());
  EXPECT_EQ(moved.role(), rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);
  EXPECT_THAT(moved.assignments(), SizeIs(2));

  // What was true on a day before the move.
  Outcome before = Salesctl(absl::StrCat("member-get ", ada.id(), " --as_of=", Day(-60)));
  ASSERT_EQ(before.exit_code, 0) << before.err;
  EXPECT_THAT(before.out, ContainsRegex(absl::StrCat("\nteam_id: +", island.id(), "\n")));
  EXPECT_THAT(before.out, ContainsRegex("\nrole: +full-cycle\n"));
  EXPECT_THAT(before.out, ContainsRegex(absl::StrCat(Day(-400), "\\.\\.", Day(-30), " +",
                                                     island.id(), " +full-cycle")));

  // Only a role change: the team stays the latest one.
  rosterpb::Member promoted =
      Json<rosterpb::MoveMemberResponse>(
          absl::StrCat("member-move ", ada.id(),
                       " --member_role=sales-development --effective_date=", Day(-10)))
          .member();
  EXPECT_EQ(promoted.team_id(), line.id());
  EXPECT_EQ(promoted.role(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);

  Outcome members = Salesctl(absl::StrCat("member-list --team=", line.id()));
  ASSERT_EQ(members.exit_code, 0) << members.err;
  const std::string header = LineWith(members.out, "ID");
  const std::string row = LineWith(members.out, ada.id());
  EXPECT_THAT(row, ContainsRegex("Ada Jürgens +sales-development +"));
  // Columns line up in characters although "ü" is two bytes (find() counts
  // bytes, hence the + 1).
  ASSERT_THAT(header, HasSubstr("ROLE"));
  EXPECT_EQ(header.find("ROLE") + 1, row.find("sales-development"));
  EXPECT_THAT(Salesctl(absl::StrCat("member-list --team=", island.id())).out,
              Not(HasSubstr(ada.id())));

  Outcome batch =
      Salesctl(absl::StrCat("member-batch-get ", ada.id(), " ", manager.id(), " mb_nobody"));
  ASSERT_EQ(batch.exit_code, 0) << batch.err;
  EXPECT_THAT(batch.out, HasSubstr(manager.id()));
  EXPECT_THAT(batch.out, HasSubstr("not found: mb_nobody"));

  rosterpb::Member gone =
      Json<rosterpb::DeactivateMemberResponse>(
          absl::StrCat("member-deactivate ", ada.id(), " --effective_date=", Day(-5)))
          .member();
  EXPECT_FALSE(gone.active());
  EXPECT_EQ(Salesctl(absl::StrCat("member-list --team=", line.id())).out, "no members\n");
  EXPECT_THAT(Salesctl(absl::StrCat("member-list --include_inactive --team=", line.id())).out,
              ContainsRegex(absl::StrCat(ada.id(), " .* no ")));

  // A deactivated member cannot be changed: the server's code and message.
  Outcome frozen = Salesctl(absl::StrCat("member-update ", ada.id(), " --value_tier=2"));
  EXPECT_EQ(frozen.exit_code, 1);
  EXPECT_THAT(frozen.err, HasSubstr("FAILED_PRECONDITION"));
}

TEST_F(RosterCommandsTest, RepsSeeNoManagementData) {
  rosterpb::Team team = CreateTeam("Privacy Island", "island");
  rosterpb::Member rep =
      CreateMember(team.id(), "full-cycle", "Pia Private", "--motivators=recognition");
  auth::Principal principal;
  principal.subject = rep.id();
  principal.role = auth::Role::kRep;
  principal.teams = {team.id()};
  ASSERT_OK_AND_ASSIGN(std::string token,
                       auth::MintToken(kSecret, principal, absl::Minutes(5), absl::Now()));
  Outcome get = Salesctl(absl::StrCat("member-get ", rep.id(), " --token=", token));
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_THAT(get.out, ContainsRegex("\nvalue_tier: +-\n"));
  EXPECT_THAT(get.out, ContainsRegex("\nmotivators: +-\n"));
  // And writing is refused.
  Outcome write = Salesctl(absl::StrCat("member-update ", rep.id(), " --name=Pia --token=", token));
  EXPECT_EQ(write.exit_code, 1);
  EXPECT_THAT(write.err, HasSubstr("PERMISSION_DENIED"));
}

TEST_F(RosterCommandsTest, TrainingRecordListAndCompliance) {
  rosterpb::Team team =
      CreateTeam("Training Island", "island", "--cadence=product-knowledge:30,prospecting:14");
  rosterpb::Member kim = CreateMember(team.id(), "full-cycle", "Kim Current");
  rosterpb::Member lou = CreateMember(team.id(), "full-cycle", "Lou Late");

  Outcome recorded = Salesctl(absl::StrCat("training-record --member=", kim.id(),
                                           " --area=product-knowledge --date=", Day(-10),
                                           " --hours=1.5 --note='pricing update'"));
  ASSERT_EQ(recorded.exit_code, 0) << recorded.err;
  EXPECT_THAT(recorded.out, ContainsRegex("\narea: +product-knowledge\n"));
  EXPECT_THAT(recorded.out, ContainsRegex("\nhours: +1.5\n"));
  EXPECT_THAT(recorded.out, ContainsRegex("\nrecorded_by: +salesctl\n"));
  Json<rosterpb::RecordTrainingResponse>(absl::StrCat(
      "training-record --member=", kim.id(), " --area=prospecting --date=", Day(-3), " --hours=2"));
  Json<rosterpb::RecordTrainingResponse>(
      absl::StrCat("training-record --member=", lou.id(),
                   " --area=product-knowledge --date=", Day(-100), " --hours=1"));

  rosterpb::ListTrainingSessionsResponse kims = Json<rosterpb::ListTrainingSessionsResponse>(
      absl::StrCat("training-list --member=", kim.id()));
  ASSERT_THAT(kims.sessions(), SizeIs(2));
  EXPECT_EQ(kims.sessions(0).area(), rosterpb::TRAINING_AREA_PROSPECTING);  // newest first
  Outcome listed = Salesctl(absl::StrCat("training-list --team=", team.id()));
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out,
              ContainsRegex(absl::StrCat(Day(-100), " +", lou.id(), " +product-knowledge +1 ")));

  // Kim is current; Lou's product knowledge is 70 days overdue (due 30 days
  // after the session) and prospecting was never trained (due 14 days after
  // the hire date).
  Outcome compliance =
      Salesctl(absl::StrCat("training-compliance ", team.id(), " --as_of=", Day(0)));
  ASSERT_EQ(compliance.exit_code, 0) << compliance.err;
  EXPECT_THAT(compliance.out, HasSubstr("1 of 2 active members overdue"));
  EXPECT_THAT(compliance.out,
              ContainsRegex(absl::StrCat(lou.id(), " +Lou Late +full-cycle +product-knowledge +",
                                         Day(-100), " +", Day(-70), " +OVERDUE 70 days")));
  EXPECT_THAT(compliance.out,
              ContainsRegex(absl::StrCat(lou.id(), " .* prospecting +never +", Day(-386))));
  EXPECT_THAT(compliance.out, ContainsRegex(absl::StrCat(kim.id(), " .* prospecting +", Day(-3),
                                                         " +", Day(11), " +ok")));
  rosterpb::GetTrainingComplianceResponse json = Json<rosterpb::GetTrainingComplianceResponse>(
      absl::StrCat("training-compliance ", team.id(), " --as_of=", Day(0)));
  EXPECT_EQ(json.overdue_member_count(), 1);
}

TEST_F(RosterCommandsTest, RoleSuggestionsExplainTheChange) {
  rosterpb::Team team = CreateTeam("Suggestions Line", "assembly-line");
  rosterpb::Member sam = CreateMember(team.id(), "account-executive", "Sam Prospector",
                                      "--skills=prospecting:5,presenting:2");
  rosterpb::SuggestRolesResponse json =
      Json<rosterpb::SuggestRolesResponse>(absl::StrCat("role-suggestions ", team.id()));
  ASSERT_THAT(json.suggestions(), SizeIs(1));
  EXPECT_EQ(json.suggestions(0).suggested_role(), rosterpb::MEMBER_ROLE_LEAD_GENERATION);
  Outcome human = Salesctl(absl::StrCat("role-suggestions ", team.id()));
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_THAT(human.out,
              ContainsRegex(absl::StrCat(sam.id(), " +Sam Prospector +account-executive +",
                                         "lead-generation +yes +.*prospecting")));
}

TEST_F(RosterCommandsTest, JsonUsesProtoFieldNames) {
  rosterpb::Team team = CreateTeam("Json Island", "island");
  Outcome run = Salesctl(absl::StrCat("team-get --json ", team.id()));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("\"sales_model\":\"SALES_MODEL_ISLAND\""));
  EXPECT_THAT(run.out, HasSubstr("\"time_zone\":\"Europe/Berlin\""));
}

TEST_F(RosterCommandsTest, RosterChangesPrintsTheFeedUpToNowOrAfterAPosition) {
  rosterpb::Team team = CreateTeam("Feed Island", "island");

  Outcome all = Salesctl("roster-changes");
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_THAT(LineWith(all.out, team.id()), ContainsRegex("team-created +from - +"));

  // --json: one RosterChange per line; the team's gives the position.
  Outcome json = Salesctl("roster-changes --json");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const std::string created = LineWith(json.out, team.id());
  const size_t at = created.find("\"sequence\":\"");
  ASSERT_NE(at, std::string::npos) << created;
  const std::string sequence = created.substr(at + 12, created.find('"', at + 12) - (at + 12));

  // After that position: only the later change, with the day it counts from.
  ASSERT_EQ(Salesctl(absl::StrCat("team-update ", team.id(),
                                  " --currency=USD --effective_date=2030-01-01"))
                .exit_code,
            0);
  Outcome after = Salesctl(absl::StrCat("roster-changes --after=", sequence));
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_THAT(after.out, ContainsRegex("team-updated +from 2030-01-01 +" + team.id()));
  EXPECT_THAT(after.out, Not(HasSubstr("team-created")));

  Outcome negative = Salesctl("roster-changes --after=-1");
  EXPECT_EQ(negative.exit_code, 2);
  EXPECT_THAT(negative.err, HasSubstr("--after"));
}

TEST_F(RosterCommandsTest, ServerErrorsExitOneWithCodeAndMessage) {
  Outcome run = Salesctl("team-get t_nowhere");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("NOT_FOUND"));
  EXPECT_THAT(run.err, HasSubstr("t_nowhere"));
  EXPECT_TRUE(run.out.empty()) << run.out;
}

TEST_F(RosterCommandsTest, BadCommandLinesExitTwoNamingTheFlag) {
  struct Case {
    std::string args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"member-create --team=t --member_role=wizard --name=X --email=x@example.com",
       "--member_role: unknown value \"wizard\" (one of: lead-generation, sales-development"},
      {"member-create --team=t --member_role=manager --name=X", "--email is required"},
      {"member-create --team=t --member_role=manager --name=X --email=x@example.com "
       "--skills=prospecting",
       "--skills: \"prospecting\" is not of the form SKILL:LEVEL"},
      {"member-create --team=t --member_role=manager --name=X --email=x@example.com "
       "--motivators=money,fame",
       "--motivators: unknown value \"fame\""},
      {"member-get m --as_of=2026-13-01", "--as_of"},
      {"member-get", "MEMBER_ID is required"},
      {"member-get a b", "unexpected argument \"b\""},
      {"team-get t --member_role=manager", "--member_role does not apply to this command"},
      {"team-update t", "nothing to update"},
      {"team-create --name=X --time_zone=UTC --currency=EUR --model=pyramid "
       "--min_attainment_bps=1 --consecutive_periods=1",
       "--model: unknown value \"pyramid\" (one of: island, assembly-line)"},
      {"member-move m", "give --team, --member_role or both"},
      {"training-list --team=t --member=m", "exactly one of --member and --team"},
      {"training-record --member=m --area=juggling --date=2026-01-01 --hours=1",
       "--area: unknown value \"juggling\""},
  };
  for (const Case& c : cases) {
    Outcome run = Salesctl(c.args);
    EXPECT_EQ(run.exit_code, 2) << c.args << "\n" << run.err;
    EXPECT_THAT(run.err, HasSubstr(c.message)) << c.args;
  }
}

}  // namespace
}  // namespace salesteam::salesctl
