// Overload, abuse and exhaustion tests of a real activity_server process:
// clients that keep sending StreamActivities batches without ever reading an
// answer, at 100 and 300 streams; one identity opening more streams than it
// may; writes piling up behind a blocked database writer; a full disk. The
// promises checked, on SQLite and on PostgreSQL:
//   - the server's resident memory (VmRSS of the child process) stays under
//     a bound the test configures through the server's own flags, whatever
//     the hostile clients do, and does not keep growing after they leave;
//   - other clients are still served meanwhile (reads and a small write);
//   - streams beyond --max_streams_per_principal are refused with
//     RESOURCE_EXHAUSTED naming the limit, and other identities are not;
//   - while the database's writer is blocked, reads still answer, and writes
//     beyond the write queue are shed with RESOURCE_EXHAUSTED and a retry
//     hint (grpc-retry-pushback-ms), having written nothing;
//   - a full disk answers RESOURCE_EXHAUSTED saying what is full, and the
//     same batch resent once space is freed is recorded, each item once.
// The assertions are about memory and answers, never about timings.
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <fcntl.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/roster/testing/test_roster.h"
#include "common/auth/auth.h"
#include "common/server/health_client.h"
#include "common/testing/databases.h"
#include "common/testing/status_matchers.h"
#include "common/testing/test_env.h"
#include "common/time/date.h"
#include "common/time/timestamp.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "salesteam/activity/v1/activity.grpc.pb.h"

namespace salesteam::activity {
namespace {

using ::salesteam::clients::testing::TestRoster;
using ::salesteam::testing::DatabaseKind;
using ::salesteam::testing::TestDatabase;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using v1::ActivityService;

constexpr char kSecret[] = "overload-test-secret-0123456789-abcdefghijklmnop";
constexpr char kServiceName[] = "salesteam.activity.v1.ActivityService";
constexpr char kCurrency[] = "USD";
constexpr int kMembers = 8;
// As the fault campaign's bulk clients sent them.
constexpr int kItemsPerBatch = 5000;

// The server's memory quota in this test, and the resident-set bound the
// test holds it to: the quota bounds what gRPC buffers, the rest is the
// process itself (code, database caches, handler threads, parsed batches).
constexpr int kMemoryQuotaMib = 256;
constexpr int kStreamReadSlots = 64;
// The activity pod's memory limit in deploy/k8s.
constexpr int64_t kRssBoundMib = 512;
// What the server may keep once they are gone (it starts at about 25 MiB).
constexpr int64_t kRssAfterLeavingMib = 128;

std::string Tail(const std::string& text, size_t n = 6000) {
  return text.size() <= n ? text : "..." + text.substr(text.size() - n);
}

// Every hostile client is a separate connection, as separate CRM workers
// would be; retries are off so that refusals are seen as they are.
std::shared_ptr<grpc::Channel> NewChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  args.SetMaxReceiveMessageSize(32 << 20);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

// The activity_server binary as a child process whose memory the test reads.
class ChildServer {
 public:
  ChildServer(std::string log_path, std::vector<std::string> args, std::vector<std::string> env,
              int port)
      : log_path_(std::move(log_path)),
        args_(std::move(args)),
        env_(std::move(env)),
        address_(absl::StrCat("127.0.0.1:", port)) {}
  ~ChildServer() { Kill(); }

  absl::Status Start() {
    std::vector<char*> argv;
    for (std::string& arg : args_) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (std::string& e : env_) envp.push_back(e.data());
    envp.push_back(nullptr);
    const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log_fd < 0) return absl::InternalError(absl::StrCat("cannot open ", log_path_));
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) return absl::InternalError("fork failed");
    if (pid == 0) {
      // Only async-signal-safe calls from here: this process has threads.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(125);
      if (::dup2(log_fd, STDOUT_FILENO) < 0 || ::dup2(log_fd, STDERR_FILENO) < 0) ::_exit(126);
      ::close_range(3, ~0U, 0);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(log_fd);
    pid_ = pid;
    channel_ = NewChannel(address_);
    stub_ = ActivityService::NewStub(channel_);
    const absl::Time give_up = absl::Now() + absl::Seconds(30);
    while (absl::Now() < give_up) {
      int wstatus = 0;
      if (::waitpid(pid_, &wstatus, WNOHANG) == pid_) {
        pid_ = -1;
        return absl::InternalError("activity_server ended during start-up (log below)");
      }
      absl::StatusOr<server::ServingStatus> health =
          server::CheckHealth(channel_, kServiceName, absl::Milliseconds(500));
      if (health.ok() && *health == server::ServingStatus::kServing) return absl::OkStatus();
      absl::SleepFor(absl::Milliseconds(20));
    }
    return absl::DeadlineExceededError("activity_server did not report SERVING (log below)");
  }

  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  // Whether the process is still running (it was not killed by the kernel's
  // OOM killer or a crash).
  bool Alive() {
    if (pid_ <= 0) return false;
    int wstatus = 0;
    return ::waitpid(pid_, &wstatus, WNOHANG) == 0;
  }

  // VmRSS of the process in MiB, -1 when it cannot be read.
  int64_t RssMib() const {
    std::ifstream in(absl::StrCat("/proc/", pid_, "/status"));
    std::string line;
    while (std::getline(in, line)) {
      if (!absl::StartsWith(line, "VmRSS:")) continue;
      std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipWhitespace());
      int64_t kib = 0;
      if (parts.size() >= 2 && absl::SimpleAtoi(parts[1], &kib)) return kib / 1024;
    }
    return -1;
  }

  std::string Log() const {
    std::ifstream in(log_path_);
    std::stringstream text;
    text << in.rdbuf();
    return Tail(text.str());
  }

  const std::string& address() const { return address_; }
  ActivityService::Stub& stub() { return *stub_; }

 private:
  const std::string log_path_;
  std::vector<std::string> args_;
  std::vector<std::string> env_;
  const std::string address_;
  pid_t pid_ = -1;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<ActivityService::Stub> stub_;
};

// A client that opens StreamActivities and writes the same batch over and
// over, never reading an answer: what a CRM connector with a broken reader
// does. Callback API, so that hundreds of them need no threads.
class HostileStream final
    : public grpc::ClientBidiReactor<v1::StreamActivitiesRequest, v1::StreamActivitiesResponse> {
 public:
  HostileStream(ActivityService::Stub& stub, const std::string& token,
                const v1::StreamActivitiesRequest& batch)
      : batch_(batch) {
    auth::AttachBearerToken(context_, token);
    stub.async()->StreamActivities(&context_, this);
    StartWrite(&batch_);
    StartCall();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) return;  // the stream is over; OnDone follows
    written_.fetch_add(1);
    StartWrite(&batch_);
  }

  void OnDone(const grpc::Status& status) override {
    absl::MutexLock lock(&mu_);
    status_ = status;
    done_ = true;
  }

  void Cancel() { context_.TryCancel(); }

  grpc::Status AwaitDone() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&done_));
    return status_;
  }

  int written() const { return written_.load(); }

 private:
  grpc::ClientContext context_;
  v1::StreamActivitiesRequest batch_;
  std::atomic<int> written_{0};
  absl::Mutex mu_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
};

struct HostileClient {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<ActivityService::Stub> stub;
  std::unique_ptr<HostileStream> stream;
};

class OverloadTest : public ::testing::TestWithParam<DatabaseKind> {
 protected:
  void SetUp() override {
    dir_ = salesteam::testing::MakeTempDir("overload_test");
    ASSERT_FALSE(dir_.empty());
    ASSERT_OK_AND_ASSIGN(database_, TestDatabase::Create(GetParam()));
    ASSERT_OK_AND_ASSIGN(roster_, TestRoster::Start(kSecret, salesteam::testing::CacheKind::kFake,
                                                    absl::ZeroDuration()));
    ASSERT_OK_AND_ASSIGN(team_,
                         roster_->CreateTeam("Overload Sellers", roster::v1::SALES_MODEL_ISLAND,
                                             "America/New_York", kCurrency));
    for (int i = 0; i < kMembers; ++i) {
      ASSERT_OK_AND_ASSIGN(roster::v1::Member member,
                           roster_->CreateMember(absl::StrCat("Rep ", i + 1), team_.id(),
                                                 roster::v1::MEMBER_ROLE_FULL_CYCLE, 2));
      members_.push_back(member.id());
    }
    token_ = roster_->Token("overload-test-admin", auth::Role::kAdmin);
    port_ = salesteam::testing::PickUnusedPort();
    ASSERT_NE(port_, 0);
  }

  void TearDown() override {
    if (server_ != nullptr) {
      if (HasFailure()) std::cerr << "activity_server log (tail):\n" << server_->Log() << "\n";
      server_.reset();
    }
    roster_.reset();
    database_.reset();
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  void StartServer(std::vector<std::string> extra_flags) {
    std::vector<std::string> args = {
        ACTIVITY_SERVER_PATH, absl::StrCat("--listen_address=127.0.0.1:", port_),
        "--metrics_address=off",
        absl::StrCat("--database_url=", sqlite_url_.empty() ? database_->url() : sqlite_url_),
        absl::StrCat("--roster_address=", roster_->address())};
    args.insert(args.end(), extra_flags.begin(), extra_flags.end());
    std::vector<std::string> env = {
        absl::StrCat("SALESTEAM_JWT_SECRET=", kSecret),
        absl::StrCat("SALESTEAM_REDIS_ADDRESS=", salesteam::testing::TestRedisAddress())};
    for (char** e = environ; *e != nullptr; ++e) {
      if (!absl::StartsWith(*e, "SALESTEAM_")) env.emplace_back(*e);
    }
    server_ = std::make_unique<ChildServer>(dir_ + "/activity_server.log", std::move(args),
                                            std::move(env), port_);
    ASSERT_OK(server_->Start());
  }

  // One batch of kItemsPerBatch valid activities with ids under `prefix`.
  v1::StreamActivitiesRequest MakeBatch(absl::string_view prefix, int items) const {
    v1::StreamActivitiesRequest batch;
    batch.set_batch_number(1);
    const absl::Time now = absl::Now();
    for (int i = 0; i < items; ++i) {
      v1::Activity* activity = batch.add_activities();
      activity->set_activity_id(absl::StrCat(prefix, "-", i));
      activity->set_member_id(members_[i % members_.size()]);
      activity->set_type(v1::ACTIVITY_TYPE_CALL_MADE);
      periods::TimeToProto(now - absl::Minutes(10 + i % 600), activity->mutable_occurred_at());
      activity->set_source_system("crm-connector-with-a-broken-reader");
    }
    return batch;
  }

  // Opens `count` hostile streams, each on its own connection, as its own
  // identity (so that the per-identity limit does not hide the memory bound).
  std::vector<HostileClient> OpenHostileStreams(int count) {
    const v1::StreamActivitiesRequest batch = MakeBatch("hostile", kItemsPerBatch);
    std::vector<HostileClient> clients(count);
    for (int i = 0; i < count; ++i) {
      clients[i].channel = NewChannel(server_->address());
      clients[i].stub = ActivityService::NewStub(clients[i].channel);
      clients[i].stream = std::make_unique<HostileStream>(
          *clients[i].stub, roster_->Token(absl::StrCat("crm-", i), auth::Role::kAdmin), batch);
    }
    return clients;
  }

  absl::Status ReadKpis() {
    v1::GetKpisRequest request;
    request.set_team_id(team_.id());
    const periods::Date today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
    periods::DateToProto(today - 7, request.mutable_start_date());
    periods::DateToProto(today + 2, request.mutable_end_date());
    v1::GetKpisResponse response;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    auth::AttachBearerToken(context, token_);
    const grpc::Status status = server_->stub().GetKpis(&context, request, &response);
    if (!status.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          absl::StrCat("GetKpis: ", status.error_message()));
    }
    return absl::OkStatus();
  }

  absl::Status RecordOne(absl::string_view id) {
    v1::RecordActivitiesRequest request;
    *request.add_activities() = MakeBatch(id, 1).activities(0);
    v1::RecordActivitiesResponse response;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    auth::AttachBearerToken(context, token_);
    const grpc::Status status = server_->stub().RecordActivities(&context, request, &response);
    if (!status.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          absl::StrCat("RecordActivities: ", status.error_message()));
    }
    if (response.accepted_count() != 1) {
      return absl::InternalError(absl::StrCat("RecordActivities: ", response.ShortDebugString()));
    }
    return absl::OkStatus();
  }

  // A well-behaved sync: one batch, its answer, the end of the stream.
  grpc::Status StreamOneBatch(const std::string& token, absl::string_view id_prefix,
                              v1::StreamActivitiesResponse* answer) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    auth::AttachBearerToken(context, token);
    auto stream = server_->stub().StreamActivities(&context);
    stream->Write(MakeBatch(id_prefix, 10));
    stream->WritesDone();
    while (stream->Read(answer)) {
    }
    return stream->Finish();
  }

  // The hostile streams run for `hold`; meanwhile the server's VmRSS is
  // sampled every 50 ms and other clients read and write. Returns the
  // largest VmRSS seen.
  int64_t RunHostileLoad(int streams, absl::Duration hold) {
    const int64_t idle_rss = server_->RssMib();
    std::atomic<int64_t> peak{idle_rss};
    std::atomic<bool> stop{false};
    std::thread sampler([&] {
      while (!stop.load()) {
        int64_t rss = server_->RssMib();
        int64_t seen = peak.load();
        while (rss > seen && !peak.compare_exchange_weak(seen, rss)) {
        }
        absl::SleepFor(absl::Milliseconds(50));
      }
    });
    std::vector<HostileClient> clients = OpenHostileStreams(streams);
    int served = 0;
    int shed = 0;
    const absl::Time until = absl::Now() + hold;
    while (absl::Now() < until) {
      EXPECT_OK(ReadKpis()) << "a reader must be served while hostile streams run";
      // The write capacity is the hostile streams' too: a small write is
      // recorded, or shed at once with a retry hint, never left to hang or
      // failed otherwise.
      const absl::Status write = RecordOne(absl::StrCat("well-behaved-", streams, "-", served));
      if (absl::IsResourceExhausted(write)) {
        EXPECT_THAT(write.message(), HasSubstr("retry in")) << write;
        ++shed;
      } else {
        EXPECT_OK(write) << "a small write must be answered while hostile streams run";
      }
      ++served;
      absl::SleepFor(absl::Milliseconds(100));
    }
    int64_t written = 0;
    for (HostileClient& client : clients) written += client.stream->written();
    for (HostileClient& client : clients) client.stream->Cancel();
    for (HostileClient& client : clients) client.stream->AwaitDone();
    stop.store(true);
    sampler.join();
    std::cerr << streams << " hostile streams: VmRSS before " << idle_rss << " MiB, peak "
              << peak.load() << " MiB; " << written << " batches of " << kItemsPerBatch
              << " items written by clients; " << served
              << " rounds of GetKpis + RecordActivities answered meanwhile (" << shed
              << " writes shed with a retry hint)\n";
    return peak.load();
  }

  // Activities `prefix`-0 .. -(n-1) of the team's members.
  v1::RecordActivitiesRequest MakeRecordRequest(absl::string_view prefix, int n) const {
    v1::RecordActivitiesRequest request;
    *request.mutable_activities() = MakeBatch(prefix, n).activities();
    return request;
  }

  grpc::Status Record(const v1::RecordActivitiesRequest& request,
                      v1::RecordActivitiesResponse* response, std::string* pushback = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(120)));
    auth::AttachBearerToken(context, token_);
    const grpc::Status status = server_->stub().RecordActivities(&context, request, response);
    if (pushback != nullptr) {
      const auto& trailers = context.GetServerTrailingMetadata();
      auto it = trailers.find("grpc-retry-pushback-ms");
      if (it != trailers.end()) pushback->assign(it->second.data(), it->second.size());
    }
    return status;
  }

  // Every activity of the team, id -> times listed.
  absl::StatusOr<std::map<std::string, int>> ListTeam() {
    std::map<std::string, int> seen;
    v1::ListActivitiesRequest request;
    request.set_team_id(team_.id());
    request.set_page_size(1000);
    do {
      v1::ListActivitiesResponse response;
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
      auth::AttachBearerToken(context, token_);
      const grpc::Status status = server_->stub().ListActivities(&context, request, &response);
      if (!status.ok()) {
        return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                            absl::StrCat("ListActivities: ", status.error_message()));
      }
      for (const v1::Activity& activity : response.activities()) ++seen[activity.activity_id()];
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return seen;
  }

  std::string dir_;
  // Set to serve SQLite from a file of the test's choosing (a small disk).
  std::string sqlite_url_;
  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<TestRoster> roster_;
  roster::v1::Team team_;
  std::vector<std::string> members_;
  std::string token_;
  int port_ = 0;
  std::unique_ptr<ChildServer> server_;
};

// 100, then 300 streams that send 5,000-item batches without ever reading an
// answer. The server's memory stays under the bound its quota and read slots
// set, readers and writers are still answered, and once the streams are gone
// the memory comes back down.
TEST_P(OverloadTest, StreamsThatNeverReadAnswersCannotGrowServerMemoryBeyondItsBound) {
  ASSERT_NO_FATAL_FAILURE(StartServer({absl::StrCat("--memory_quota_mib=", kMemoryQuotaMib),
                                       absl::StrCat("--stream_read_slots=", kStreamReadSlots),
                                       // Each hostile stream is its own identity here.
                                       "--max_streams_per_principal=4"}));
  const int64_t peak_100 = RunHostileLoad(100, absl::Seconds(15));
  EXPECT_LT(peak_100, kRssBoundMib) << "100 hostile streams";
  ASSERT_TRUE(server_->Alive());
  const int64_t after_100 = server_->RssMib();
  const int64_t peak_300 = RunHostileLoad(300, absl::Seconds(15));
  EXPECT_LT(peak_300, kRssBoundMib) << "300 hostile streams";
  ASSERT_TRUE(server_->Alive());
  // Once no stream has been read from for a few seconds, the server gives
  // the memory the streams freed back to the system.
  int64_t after_300 = server_->RssMib();
  for (const absl::Time until = absl::Now() + absl::Seconds(30);
       after_300 >= kRssAfterLeavingMib && absl::Now() < until;) {
    absl::SleepFor(absl::Milliseconds(200));
    after_300 = server_->RssMib();
  }
  std::cerr << "VmRSS right after the 100 left: " << after_100
            << " MiB; once the 300 had left: " << after_300 << " MiB\n";
  EXPECT_LT(after_300, kRssAfterLeavingMib) << "memory must come back once the streams leave";
  EXPECT_OK(ReadKpis());
}

// One identity may hold only --max_streams_per_principal streams: the next
// one is refused with RESOURCE_EXHAUSTED naming the limit, while another
// identity's sync goes through, and once the greedy streams end the identity
// may stream again.
TEST_P(OverloadTest, StreamsBeyondTheIdentitysLimitAreRefusedNamingItAndOthersAreServed) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--max_streams_per_principal=3"}));
  const std::string greedy = roster_->Token("crm-greedy", auth::Role::kAdmin);
  const v1::StreamActivitiesRequest batch = MakeBatch("greedy", kItemsPerBatch);
  std::vector<HostileClient> held(3);
  for (HostileClient& client : held) {
    client.channel = NewChannel(server_->address());
    client.stub = ActivityService::NewStub(client.channel);
    client.stream = std::make_unique<HostileStream>(*client.stub, greedy, batch);
  }
  // The three are open once each has had a batch taken from it.
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  for (HostileClient& client : held) {
    while (client.stream->written() == 0 && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    ASSERT_GT(client.stream->written(), 0) << "a greedy stream never got going";
  }

  v1::StreamActivitiesResponse answer;
  const grpc::Status refused = StreamOneBatch(greedy, "greedy-fourth", &answer);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.error_message();
  EXPECT_THAT(refused.error_message(), AllOf(HasSubstr("crm-greedy"), HasSubstr("limit is 3"),
                                             HasSubstr("--max_streams_per_principal")));

  const grpc::Status other =
      StreamOneBatch(roster_->Token("crm-patient", auth::Role::kAdmin), "patient", &answer);
  EXPECT_TRUE(other.ok()) << other.error_message();
  EXPECT_EQ(answer.accepted_count(), 10);

  for (HostileClient& client : held) client.stream->Cancel();
  for (HostileClient& client : held) client.stream->AwaitDone();
  // The server sees the cancellations a moment after the clients do.
  grpc::Status again;
  for (const absl::Time until = absl::Now() + absl::Seconds(20); absl::Now() < until;) {
    again = StreamOneBatch(greedy, "greedy-again", &answer);
    if (again.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(again.ok()) << "the identity's slots come back when its streams end: "
                          << again.error_message();
  EXPECT_EQ(answer.accepted_count(), 10);
}

// Writes and reads have separate capacity: with the database's writer held
// by another connection (a long transaction, a slow disk), the one write
// thread waits for it and two writes queue; every further write is shed at
// once with RESOURCE_EXHAUSTED, a message saying when to retry and the same
// hint in grpc-retry-pushback-ms, having written nothing; GetKpis and
// ListActivities answer meanwhile. Once the writer is free, the admitted
// writes are recorded.
TEST_P(OverloadTest, WithTheWriterBlockedReadsAnswerAndExcessWritesAreShedWithARetryHint) {
  ASSERT_NO_FATAL_FAILURE(
      StartServer({"--write_threads=1", "--write_queue_limit=2", "--sqlite_busy_timeout=120s"}));
  v1::RecordActivitiesResponse response;
  ASSERT_TRUE(Record(MakeRecordRequest("warm-up", 5), &response).ok());

  // Another connection takes the writer's lock and keeps it.
  sqlite3* sqlite = nullptr;
  PGconn* pg = nullptr;
  if (GetParam() == DatabaseKind::kSqlite) {
    std::string path = database_->url().substr(std::string("sqlite://").size());
    ASSERT_EQ(sqlite3_open(path.c_str(), &sqlite), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(sqlite, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  } else {
    pg = PQconnectdb(database_->url().c_str());
    ASSERT_EQ(PQstatus(pg), CONNECTION_OK);
    PGresult* res = PQexec(pg, "BEGIN; LOCK TABLE activities IN EXCLUSIVE MODE");
    ASSERT_EQ(PQresultStatus(res), PGRES_COMMAND_OK) << PQresultErrorMessage(res);
    PQclear(res);
  }

  constexpr int kWrites = 8;
  std::vector<grpc::Status> statuses(kWrites);
  std::vector<std::string> pushbacks(kWrites);
  std::vector<v1::RecordActivitiesResponse> responses(kWrites);
  std::atomic<int> answered{0};
  std::vector<std::thread> writers;
  for (int i = 0; i < kWrites; ++i) {
    writers.emplace_back([this, i, &statuses, &pushbacks, &responses, &answered] {
      statuses[i] =
          Record(MakeRecordRequest(absl::StrCat("w", i), 20), &responses[i], &pushbacks[i]);
      answered.fetch_add(1);
    });
  }
  // At most one write runs and two wait, so at least five are shed; they
  // are answered at once, while the others wait for the writer (so only
  // shed ones can have been answered before the lock is let go).
  for (const absl::Time until = absl::Now() + absl::Seconds(60);
       answered.load() < kWrites - 3 && absl::Now() < until;) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_GE(answered.load(), kWrites - 3) << "writes beyond the queue must be shed, not queued";
  // Reads never wait for the writer.
  EXPECT_OK(ReadKpis()) << "GetKpis with the writer blocked";
  absl::StatusOr<std::map<std::string, int>> listed = ListTeam();
  EXPECT_OK(listed.status()) << "ListActivities with the writer blocked";

  if (sqlite != nullptr) {
    sqlite3_exec(sqlite, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(sqlite);
  } else {
    PQclear(PQexec(pg, "ROLLBACK"));
    PQfinish(pg);
  }
  for (std::thread& writer : writers) writer.join();

  int recorded = 0;
  int refused = 0;
  for (int i = 0; i < kWrites; ++i) {
    if (statuses[i].ok()) {
      ++recorded;
      EXPECT_EQ(responses[i].accepted_count(), 20);
      continue;
    }
    ++refused;
    EXPECT_EQ(statuses[i].error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << statuses[i].error_message();
    EXPECT_THAT(statuses[i].error_message(),
                AllOf(HasSubstr("--write_queue_limit"), HasSubstr("retry in")));
    int64_t pushback_ms = 0;
    EXPECT_TRUE(absl::SimpleAtoi(pushbacks[i], &pushback_ms) && pushback_ms > 0)
        << "grpc-retry-pushback-ms: " << pushbacks[i];
    EXPECT_THAT(statuses[i].error_message(), HasSubstr(absl::StrCat(pushback_ms, " ms")));
  }
  EXPECT_GE(refused, kWrites - 3);
  EXPECT_GE(recorded, 1);
  // What was recorded is exactly the admitted writes: the shed ones wrote
  // nothing.
  using Listing = std::map<std::string, int>;
  ASSERT_OK_AND_ASSIGN(Listing after, ListTeam());
  EXPECT_EQ(after.size(), static_cast<size_t>(5 + 20 * recorded));
  for (const auto& [id, times] : after) EXPECT_EQ(times, 1) << id;
}

// A real full disk under the database: the activity server answers
// RESOURCE_EXHAUSTED saying what is full (not INTERNAL), and the same batch
// resent once space is freed is recorded, each item exactly once.
TEST_P(OverloadTest, AFullDiskIsResourceExhaustedNamingItAndAResendAfterFreeingSpaceRecordsOnce) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root (tools/test runs as root)";
  const std::string disk = dir_ + "/disk";
  std::filesystem::create_directories(disk);
  ASSERT_EQ(::mount("tmpfs", disk.c_str(), "tmpfs", 0, "size=3m"), 0) << std::strerror(errno);
  std::string tablespace;
  if (GetParam() == DatabaseKind::kSqlite) {
    sqlite_url_ = absl::StrCat("sqlite://", disk, "/activity.db");
  } else {
    // The server's tables go to a tablespace on the small disk.
    const passwd* pg = ::getpwnam("postgres");
    ASSERT_NE(pg, nullptr);
    ASSERT_EQ(::chown(disk.c_str(), pg->pw_uid, pg->pw_gid), 0);
    ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0) << "PostgreSQL must reach the disk";
    tablespace = absl::StrCat("overload_full_", ::getpid());
    for (const std::string& sql :
         {absl::StrCat("CREATE TABLESPACE ", tablespace, " LOCATION '", disk, "'"),
          absl::StrCat("ALTER DATABASE \"", database_->postgres_name(),
                       "\" SET default_tablespace = ", tablespace)}) {
      EXPECT_OK(salesteam::testing::ExecOnTestPostgres(sql));
    }
  }
  auto cleanup = [&] {
    server_.reset();
    if (!tablespace.empty()) {
      database_.reset();
      EXPECT_OK(
          salesteam::testing::ExecOnTestPostgres(absl::StrCat("DROP TABLESPACE ", tablespace)));
    }
    ::umount2(disk.c_str(), MNT_DETACH);
  };
  StartServer({});
  if (HasFatalFailure()) return cleanup();

  // Batches of new activities until one does not fit.
  int sent = 0;
  grpc::Status full;
  v1::RecordActivitiesRequest failed;
  for (; sent < 500; ++sent) {
    v1::RecordActivitiesRequest request = MakeRecordRequest(absl::StrCat("disk-", sent), 500);
    v1::RecordActivitiesResponse response;
    full = Record(request, &response);
    if (!full.ok()) {
      failed = std::move(request);
      break;
    }
    EXPECT_EQ(response.accepted_count(), 500);
  }
  EXPECT_FALSE(full.ok()) << "3 MiB never filled up";
  EXPECT_GT(sent, 0);
  EXPECT_EQ(full.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << full.error_message();
  EXPECT_THAT(full.error_message(),
              AllOf(HasSubstr("storage full"),
                    HasSubstr(GetParam() == DatabaseKind::kSqlite ? "SQLite" : "PostgreSQL"),
                    HasSubstr("resend")));
  EXPECT_THAT(full.error_message(), Not(HasSubstr("internal error")));
  EXPECT_OK(ReadKpis()) << "reads answer on a full disk";

  // The operator frees space; the client resends the batch it has no
  // answer for.
  ASSERT_EQ(::mount("tmpfs", disk.c_str(), "tmpfs", MS_REMOUNT, "size=256m"), 0);
  v1::RecordActivitiesResponse resent;
  const grpc::Status again = Record(failed, &resent);
  EXPECT_TRUE(again.ok()) << again.error_message();
  EXPECT_EQ(resent.accepted_count(), 500) << "nothing of the refused batch had been written";
  absl::StatusOr<std::map<std::string, int>> listed = ListTeam();
  EXPECT_OK(listed.status());
  if (listed.ok()) {
    EXPECT_EQ(listed->size(), static_cast<size_t>(500 * (sent + 1)));
    for (const auto& [id, times] : *listed) EXPECT_EQ(times, 1) << id;
  }
  cleanup();
}

INSTANTIATE_TEST_SUITE_P(Databases, OverloadTest,
                         ::testing::Values(DatabaseKind::kSqlite, DatabaseKind::kPostgres),
                         salesteam::testing::DatabaseKindParamName);

}  // namespace
}  // namespace salesteam::activity
