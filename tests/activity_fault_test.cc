// End-to-end fault tests of the activity service: what a CRM sync relies on
// when things break. The server under test is the real activity_server
// binary, run as a child process so that a test can SIGKILL it mid-stream,
// SIGTERM it, and start it again on the same database and port; the roster
// it asks is a real RosterService in this process (TestRoster); Redis is the
// shared test server or a private one the test kills; and every test runs on
// SQLite and on PostgreSQL. The promises checked:
//   - an acknowledged batch is on disk, whatever happens to the process next;
//   - an activity_id is recorded once, ever: a client that resends every
//     batch it has no answer for ends with each id exactly once, and every
//     id already recorded answers DUPLICATE;
//   - a Redis outage costs no activity and no RPC, and leaderboards come back
//     right once Redis is back (empty);
//   - a roster outage refuses the items it cannot judge as retryable, records
//     nothing of them, and costs their neighbours nothing;
//   - SIGTERM drains: batches already sent are answered before the process
//     exits 0;
//   - the roster killed -9 and restarted during a burst of moves: the
//     activity service's feed follower resumes and converges on the
//     roster's last change, and every move shows in attribution at once.
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/roster/roster_feed.h"
#include "clients/roster/testing/test_roster.h"
#include "common/auth/auth.h"
#include "common/server/health_client.h"
#include "common/status.h"
#include "common/store/database.h"
#include "common/testing/databases.h"
#include "common/testing/redis_server.h"
#include "common/testing/status_matchers.h"
#include "common/testing/test_env.h"
#include "common/time/date.h"
#include "common/time/timestamp.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "salesteam/activity/v1/activity.grpc.pb.h"
#include "salesteam/roster/v1/roster.grpc.pb.h"

namespace salesteam::activity {
namespace {

using ::salesteam::clients::testing::TestRoster;
using ::salesteam::testing::DatabaseKind;
using ::salesteam::testing::RedisServer;
using ::salesteam::testing::TestDatabase;
using ::testing::HasSubstr;
using v1::ActivityService;
using v1::ActivityType;

constexpr char kSecret[] = "activity-fault-test-secret-0123456789-abcdefghij";
constexpr char kServiceName[] = "salesteam.activity.v1.ActivityService";
constexpr char kCurrency[] = "USD";
constexpr int kMembers = 8;

// Every RPC the test makes carries this deadline, so that a hung server
// fails the test instead of hanging it.
constexpr absl::Duration kCallDeadline = absl::Seconds(60);

using IdSet = absl::flat_hash_set<std::string>;

std::string Tail(const std::string& text, size_t n = 6000) {
  return text.size() <= n ? text : "..." + text.substr(text.size() - n);
}

std::string DescribeWaitStatus(int wstatus) {
  if (WIFEXITED(wstatus)) return absl::StrCat("exit code ", WEXITSTATUS(wstatus));
  if (WIFSIGNALED(wstatus)) {
    return absl::StrCat("killed by signal ", WTERMSIG(wstatus), " (",
                        ::strsignal(WTERMSIG(wstatus)), ")");
  }
  return absl::StrCat("wait status ", wstatus);
}

// A new connection for each server incarnation: a channel that shares its
// subchannel (and its reconnect backoff) with one that saw the server die
// could wait seconds before trying the restarted one. gRPC's own retries are
// off: the test resends, as the CRM does, and must see every failure.
std::shared_ptr<grpc::Channel> NewChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  args.SetMaxReceiveMessageSize(32 << 20);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

void PrepareContext(grpc::ClientContext& context, const std::string& token) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
  auth::AttachBearerToken(context, token);
}

// The activity_server binary as a child process that the test can SIGKILL,
// SIGTERM and start again on the same port and database. Its stderr (one
// JSON line per call, and whatever it says on the way down) is appended to a
// log file that failures print. KillNine, Signal and WaitForExit are
// thread-safe: a stream's reader thread may kill the server while the test
// thread waits for the stream.
class ServerProcess {
 public:
  // `health_service` is the service whose health Start() waits for.
  ServerProcess(std::string log_path, std::vector<std::string> args, std::vector<std::string> env,
                int port, std::string health_service = kServiceName)
      : log_path_(std::move(log_path)),
        args_(std::move(args)),
        env_(std::move(env)),
        address_(absl::StrCat("127.0.0.1:", port)),
        health_service_(std::move(health_service)) {}

  ~ServerProcess() { KillNine(); }

  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Spawns the server and waits until its health service says SERVING.
  absl::Status Start() {
    RETURN_IF_ERROR(Spawn());
    channel_ = NewChannel(address_);
    stub_ = ActivityService::NewStub(channel_);
    return WaitUntilServing(absl::Seconds(30));
  }

  // SIGKILL: the process vanishes at once, as in an OOM kill or a node
  // failure; nothing of it runs any more.
  void KillNine() {
    absl::MutexLock lock(&mu_);
    if (pid_ <= 0) return;
    int wstatus = 0;
    if (::waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      // It was dead before the test killed it: Start() says so.
      ended_by_itself_ = wstatus;
    } else {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }

  bool Signal(int signo) {
    absl::MutexLock lock(&mu_);
    return pid_ > 0 && ::kill(pid_, signo) == 0;
  }

  // The wait status once the process has exited, nullopt when it is still
  // running after `limit`.
  std::optional<int> WaitForExit(absl::Duration limit) {
    const absl::Time give_up = absl::Now() + limit;
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        if (pid_ <= 0) return std::nullopt;
        int wstatus = 0;
        if (::waitpid(pid_, &wstatus, WNOHANG) == pid_) {
          pid_ = -1;
          return wstatus;
        }
      }
      if (absl::Now() >= give_up) return std::nullopt;
      absl::SleepFor(absl::Milliseconds(20));
    }
  }

  std::string Log() const {
    std::ifstream in(log_path_);
    std::stringstream text;
    text << in.rdbuf();
    return Tail(text.str());
  }

  ActivityService::Stub& stub() { return *stub_; }

 private:
  absl::Status Spawn() {
    absl::MutexLock lock(&mu_);
    if (pid_ > 0) {
      int wstatus = 0;
      if (::waitpid(pid_, &wstatus, WNOHANG) != pid_) {
        return absl::FailedPreconditionError("the server is running already");
      }
      pid_ = -1;
      ended_by_itself_ = wstatus;
    }
    if (ended_by_itself_.has_value()) {
      // Only the test may end the server: one that ended by itself crashed
      // (or exited) on its own.
      const int wstatus = *ended_by_itself_;
      ended_by_itself_.reset();
      return absl::InternalError(
          absl::StrCat("activity_server ended by itself: ", DescribeWaitStatus(wstatus),
                       " (its log is printed below)"));
    }
    // Everything the child needs is built before fork(): this process has
    // gRPC threads, so the child may only make async-signal-safe calls.
    std::vector<std::string> args = args_;
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::vector<std::string> env = env_;
    std::vector<char*> envp;
    for (std::string& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log_fd < 0) return absl::InternalError(absl::StrCat("cannot open ", log_path_));
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
      ::close(log_fd);
      return absl::InternalError("fork failed");
    }
    if (pid == 0) {
      // No server outlives the test process, even when it crashes.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(125);
      if (::dup2(log_fd, STDOUT_FILENO) < 0 || ::dup2(log_fd, STDERR_FILENO) < 0) ::_exit(126);
      // Sockets this process opened without close-on-exec (hiredis's) must
      // not stay open in the server.
      ::close_range(3, ~0U, 0);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(log_fd);
    pid_ = pid;
    return absl::OkStatus();
  }

  absl::Status WaitUntilServing(absl::Duration limit) {
    const absl::Time give_up = absl::Now() + limit;
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        if (pid_ <= 0) return absl::FailedPreconditionError("the server is not running");
        int wstatus = 0;
        if (::waitpid(pid_, &wstatus, WNOHANG) == pid_) {
          pid_ = -1;
          return absl::InternalError(
              absl::StrCat("activity_server ended during start-up: ", DescribeWaitStatus(wstatus),
                           " (its log is printed below)"));
        }
      }
      absl::StatusOr<server::ServingStatus> health =
          server::CheckHealth(channel_, health_service_, absl::Milliseconds(500));
      if (health.ok() && *health == server::ServingStatus::kServing) return absl::OkStatus();
      if (absl::Now() >= give_up) {
        return absl::DeadlineExceededError(absl::StrCat(
            "activity_server did not report SERVING in time (its log is printed below)"));
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
  }

  const std::string log_path_;
  const std::vector<std::string> args_;
  const std::vector<std::string> env_;
  const std::string address_;
  const std::string health_service_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<ActivityService::Stub> stub_;
  mutable absl::Mutex mu_;
  pid_t pid_ ABSL_GUARDED_BY(mu_) = -1;
  // The wait status of a server that was found dead instead of killed.
  std::optional<int> ended_by_itself_ ABSL_GUARDED_BY(mu_);
};

// One batch of a sync, as the client keeps it until it is answered.
struct Batch {
  v1::StreamActivitiesRequest request;
  bool answered = false;
  // The session (stream) that answered it, and the answer.
  int session = -1;
  v1::StreamActivitiesResponse answer;
};

// How the client runs one stream, and where the test breaks it.
struct SessionPlan {
  // Batches sent but not yet answered, at most.
  int window = 6;
  // A pause after each batch written, for a sync that trickles.
  absl::Duration pace = absl::ZeroDuration();
  // Called on the reader thread after each answer, with the number of
  // answers this stream has had.
  std::function<void(int answered)> after_answer;
  // Called on the writer thread after each batch written, with the number of
  // batches this stream has written.
  std::function<void(int written)> after_write;
};

struct SessionResult {
  grpc::Status status;
  int sent = 0;      // batches this stream was to send (every unanswered one)
  int written = 0;   // batches written to the stream
  int answered = 0;  // answers received
};

// Streams every unanswered batch of batches[0, end), in order, keeping at
// most plan.window batches in flight, and records each answer in its batch
// (`session` names this stream). Returns when the stream has ended, however
// it ended. The writer runs on its own thread: with one thread, a Write held
// back by flow control while the server waits for us to read its answers
// would deadlock.
SessionResult StreamUnanswered(ActivityService::Stub& stub, const std::string& token,
                               std::vector<Batch>& batches, size_t end, int session,
                               const SessionPlan& plan) {
  std::vector<size_t> pending;
  for (size_t i = 0; i < end && i < batches.size(); ++i) {
    if (!batches[i].answered) pending.push_back(i);
  }
  SessionResult result;
  result.sent = static_cast<int>(pending.size());
  grpc::ClientContext context;
  PrepareContext(context, token);
  std::unique_ptr<
      grpc::ClientReaderWriter<v1::StreamActivitiesRequest, v1::StreamActivitiesResponse>>
      stream = stub.StreamActivities(&context);

  absl::Mutex mu;
  int in_flight = 0;         // guarded by mu
  bool stop = false;         // guarded by mu
  bool writer_done = false;  // guarded by mu
  std::thread writer([&] {
    int written = 0;
    for (size_t index : pending) {
      {
        absl::MutexLock lock(&mu);
        auto room = [&] { return stop || in_flight < plan.window; };
        mu.Await(absl::Condition(&room));
        if (stop) break;
        ++in_flight;
      }
      if (!stream->Write(batches[index].request)) break;
      ++written;
      if (plan.after_write) plan.after_write(written);
      if (plan.pace > absl::ZeroDuration()) absl::SleepFor(plan.pace);
    }
    stream->WritesDone();
    absl::MutexLock lock(&mu);
    result.written = written;
    writer_done = true;
  });

  v1::StreamActivitiesResponse response;
  size_t next = 0;
  while (stream->Read(&response)) {
    if (next >= pending.size()) {
      ADD_FAILURE() << "stream " << session << ": an answer for batch " << response.batch_number()
                    << " after every batch was answered";
      continue;
    }
    Batch& batch = batches[pending[next]];
    EXPECT_EQ(response.batch_number(), batch.request.batch_number())
        << "stream " << session << ": answers must come in batch order";
    batch.answered = true;
    batch.session = session;
    batch.answer = std::move(response);
    response.Clear();
    ++next;
    {
      absl::MutexLock lock(&mu);
      --in_flight;
    }
    if (plan.after_answer) plan.after_answer(static_cast<int>(next));
  }
  {
    absl::MutexLock lock(&mu);
    stop = true;
    // A Write stuck on a connection that will never drain is cut short by
    // cancelling the call.
    if (!mu.AwaitWithTimeout(absl::Condition(&writer_done), absl::Seconds(10))) {
      context.TryCancel();
    }
  }
  writer.join();
  result.answered = static_cast<int>(next);
  result.status = stream->Finish();
  return result;
}

// A sync's worth of activities, in numbered batches.
struct Workload {
  std::vector<Batch> batches;
  int distinct = 0;
  // Where each id first occurs (batch index, item index): the occurrence the
  // service must keep.
  absl::flat_hash_map<std::string, std::pair<size_t, int>> first;
};

// A CRM-like mix of types.
ActivityType PickType(int64_t percent) {
  if (percent < 35) return v1::ACTIVITY_TYPE_CALL_MADE;
  if (percent < 60) return v1::ACTIVITY_TYPE_EMAIL_SENT;
  if (percent < 70) return v1::ACTIVITY_TYPE_LEAD_CREATED;
  if (percent < 78) return v1::ACTIVITY_TYPE_FOLLOW_UP;
  if (percent < 83) return v1::ACTIVITY_TYPE_MEETING_SCHEDULED;
  if (percent < 88) return v1::ACTIVITY_TYPE_MEETING_HELD;
  if (percent < 92) return v1::ACTIVITY_TYPE_PROPOSAL_SENT;
  if (percent < 94) return v1::ACTIVITY_TYPE_DEAL_WON;
  if (percent < 96) return v1::ACTIVITY_TYPE_DEAL_LOST;
  return v1::ACTIVITY_TYPE_TIME_LOGGED;
}

// `distinct` activities of `members` with distinct ids, that occurred over
// the last five days, in batches of `batch_size`. After about
// `repeats_per_thousand` in a thousand of them the CRM delivers a recent
// event again (same id, changed content: the first one stands), sometimes
// within the same batch and sometimes a few batches later.
Workload MakeWorkload(const std::vector<std::string>& members, int distinct, int batch_size,
                      int repeats_per_thousand, uint32_t seed) {
  std::mt19937 rng(seed);
  auto uniform = [&rng](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const absl::Time now = absl::Now();
  std::vector<v1::Activity> items;
  std::vector<size_t> originals;
  for (int n = 0; n < distinct; ++n) {
    v1::Activity activity;
    activity.set_activity_id(absl::StrCat("crm-evt-", seed, "-", n));
    activity.set_member_id(members[uniform(0, static_cast<int64_t>(members.size()) - 1)]);
    activity.set_type(PickType(uniform(0, 99)));
    periods::TimeToProto(now - absl::Seconds(uniform(60, 5 * 24 * 3600)),
                         activity.mutable_occurred_at());
    activity.set_source_system("crm");
    if (activity.type() == v1::ACTIVITY_TYPE_DEAL_WON) {
      activity.mutable_amount()->set_currency_code(kCurrency);
      activity.mutable_amount()->set_minor_units(uniform(10'000, 5'000'000));
    } else if (activity.type() == v1::ACTIVITY_TYPE_TIME_LOGGED) {
      activity.set_minutes(static_cast<int32_t>(uniform(5, 240)));
      activity.set_selling(uniform(0, 1) == 1);
    }
    originals.push_back(items.size());
    items.push_back(activity);
    if (uniform(1, 1000) <= repeats_per_thousand) {
      const int64_t back = uniform(0, std::min<int64_t>(originals.size() - 1, 1500));
      v1::Activity again = items[originals[originals.size() - 1 - back]];
      again.set_type(again.type() == v1::ACTIVITY_TYPE_FOLLOW_UP ? v1::ACTIVITY_TYPE_EMAIL_SENT
                                                                 : v1::ACTIVITY_TYPE_FOLLOW_UP);
      again.clear_amount();
      again.set_minutes(0);
      again.set_selling(false);
      items.push_back(std::move(again));
    }
  }
  Workload workload;
  workload.distinct = distinct;
  for (size_t start = 0; start < items.size(); start += batch_size) {
    Batch& batch = workload.batches.emplace_back();
    const size_t b = workload.batches.size() - 1;
    batch.request.set_batch_number(static_cast<int64_t>(b) + 1);
    for (size_t j = start; j < std::min(items.size(), start + batch_size); ++j) {
      workload.first.emplace(items[j].activity_id(),
                             std::make_pair(b, static_cast<int>(j - start)));
      *batch.request.add_activities() = items[j];
    }
  }
  return workload;
}

// What the service must hold after batches [0, end): the first occurrence
// of each id, summed the ways KPIs and leaderboards sum it.
struct Tally {
  int64_t total = 0;
  std::map<int, int64_t> by_type;  // non-zero counts only
  int64_t won_minor = 0;
  int64_t logged_minutes = 0;
  int64_t selling_minutes = 0;
  std::map<std::string, int64_t> calls_by_member;
  std::map<std::string, int64_t> won_by_member;
};

Tally TallyFirstOccurrences(const Workload& workload, size_t end) {
  Tally tally;
  for (size_t b = 0; b < end && b < workload.batches.size(); ++b) {
    const auto& items = workload.batches[b].request.activities();
    for (int i = 0; i < items.size(); ++i) {
      const v1::Activity& a = items[i];
      if (workload.first.at(a.activity_id()) != std::make_pair(b, i)) continue;
      ++tally.total;
      ++tally.by_type[a.type()];
      if (a.type() == v1::ACTIVITY_TYPE_CALL_MADE) ++tally.calls_by_member[a.member_id()];
      if (a.type() == v1::ACTIVITY_TYPE_DEAL_WON) {
        tally.won_minor += a.amount().minor_units();
        tally.won_by_member[a.member_id()] += a.amount().minor_units();
      }
      tally.logged_minutes += a.minutes();
      if (a.selling()) tally.selling_minutes += a.minutes();
    }
  }
  return tally;
}

// The answers stream `session` received say exactly what happened to each
// id: DUPLICATE when it was recorded before the stream began, or occurs
// earlier in the workload (so an earlier batch of this stream, or an earlier
// item of the same batch, recorded it); ACCEPTED otherwise. Nothing is
// refused. `recorded_before` is what ListActivities showed before the stream.
void ExpectAnswers(const Workload& workload, int session, const IdSet& recorded_before) {
  int wrong = 0;
  std::string examples;
  for (size_t b = 0; b < workload.batches.size(); ++b) {
    const Batch& batch = workload.batches[b];
    if (!batch.answered || batch.session != session) continue;
    const auto& items = batch.request.activities();
    const v1::StreamActivitiesResponse& answer = batch.answer;
    if (answer.results_size() != items.size()) {
      ADD_FAILURE() << "batch " << batch.request.batch_number() << ": " << answer.results_size()
                    << " results for " << items.size() << " items";
      continue;
    }
    int accepted = 0;
    int duplicate = 0;
    for (int i = 0; i < items.size(); ++i) {
      const std::string& id = items[i].activity_id();
      const bool seen =
          recorded_before.contains(id) || workload.first.at(id) != std::make_pair(b, i);
      const v1::RecordOutcome expected =
          seen ? v1::RECORD_OUTCOME_DUPLICATE : v1::RECORD_OUTCOME_ACCEPTED;
      (seen ? duplicate : accepted) += 1;
      const v1::RecordResult& result = answer.results(i);
      if (result.activity_id() != id || result.outcome() != expected) {
        if (++wrong <= 10) {
          absl::StrAppend(&examples, "\n  batch ", batch.request.batch_number(), " item ", i, " (",
                          id, recorded_before.contains(id) ? ", recorded before the stream" : "",
                          "): expected ", v1::RecordOutcome_Name(expected), ", got {",
                          result.ShortDebugString(), "}");
        }
      }
    }
    EXPECT_EQ(answer.accepted_count(), accepted) << "batch " << batch.request.batch_number();
    EXPECT_EQ(answer.duplicate_count(), duplicate) << "batch " << batch.request.batch_number();
    EXPECT_EQ(answer.rejected_count(), 0) << "batch " << batch.request.batch_number();
  }
  EXPECT_EQ(wrong, 0) << "items answered wrongly in stream " << session << ":" << examples;
}

// What ListActivities shows, every page of it.
struct Listing {
  absl::flat_hash_map<std::string, v1::Activity> by_id;
  int64_t rows = 0;  // more than by_id.size() when an id is listed twice

  IdSet Ids() const {
    IdSet ids;
    for (const auto& [id, activity] : by_id) ids.insert(id);
    return ids;
  }
};

absl::StatusOr<Listing> ListAll(ActivityService::Stub& stub, const std::string& token,
                                v1::ListActivitiesRequest request) {
  Listing listing;
  request.set_page_size(1000);
  do {
    v1::ListActivitiesResponse response;
    grpc::ClientContext context;
    PrepareContext(context, token);
    const grpc::Status status = stub.ListActivities(&context, request, &response);
    if (!status.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          absl::StrCat("ListActivities: ", status.error_message()));
    }
    for (v1::Activity& activity : *response.mutable_activities()) {
      ++listing.rows;
      std::string id = activity.activity_id();
      listing.by_id.emplace(std::move(id), std::move(activity));
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return listing;
}

// An answer came only once its batch was on disk: every id that any answer
// so far called ACCEPTED or DUPLICATE is recorded. And nothing else is.
void ExpectAnsweredAreRecordedAndNothingElse(const Workload& workload, const IdSet& recorded) {
  int lost = 0;
  std::string examples;
  for (const Batch& batch : workload.batches) {
    if (!batch.answered) continue;
    for (const v1::RecordResult& result : batch.answer.results()) {
      if (!recorded.contains(result.activity_id()) && ++lost <= 10) {
        absl::StrAppend(&examples, " ", result.activity_id(), " (batch ",
                        batch.request.batch_number(), ", answered in stream ", batch.session, ")");
      }
    }
  }
  EXPECT_EQ(lost, 0) << "answered (so durable) but not recorded:" << examples;
  int unknown = 0;
  for (const std::string& id : recorded) {
    if (!workload.first.contains(id)) ++unknown;
  }
  EXPECT_EQ(unknown, 0) << "recorded ids that nobody sent";
}

// [start, end) of days covering every workload activity in any zone.
std::pair<periods::Date, periods::Date> CoveringDays() {
  const periods::Date today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  return {today - 7, today + 2};
}

void ExpectTeamKpis(ActivityService::Stub& stub, const std::string& token,
                    const std::string& team_id, const Tally& expected) {
  v1::GetKpisRequest request;
  request.set_team_id(team_id);
  const auto [start, end] = CoveringDays();
  periods::DateToProto(start, request.mutable_start_date());
  periods::DateToProto(end, request.mutable_end_date());
  v1::GetKpisResponse response;
  grpc::ClientContext context;
  PrepareContext(context, token);
  const grpc::Status status = stub.GetKpis(&context, request, &response);
  ASSERT_TRUE(status.ok()) << "GetKpis: " << status.error_message();
  const v1::Kpis& total = response.total();
  int64_t sum = 0;
  std::map<int, int64_t> counts;
  for (const v1::ActivityCount& count : total.counts()) {
    sum += count.count();
    if (count.count() != 0) counts[count.type()] = count.count();
  }
  EXPECT_EQ(sum, expected.total) << "KPI counts must add up to the activities recorded";
  EXPECT_EQ(counts, expected.by_type);
  EXPECT_EQ(total.deals_won(), expected.by_type.count(v1::ACTIVITY_TYPE_DEAL_WON)
                                   ? expected.by_type.at(v1::ACTIVITY_TYPE_DEAL_WON)
                                   : 0);
  EXPECT_EQ(total.won_value().minor_units(), expected.won_minor);
  EXPECT_EQ(total.won_value().currency_code(), kCurrency);
  EXPECT_EQ(total.logged_minutes(), expected.logged_minutes);
  EXPECT_EQ(total.selling_minutes(), expected.selling_minutes);
}

absl::StatusOr<std::map<std::string, int64_t>> Leaderboard(ActivityService::Stub& stub,
                                                           const std::string& token,
                                                           const std::string& team_id,
                                                           v1::LeaderboardMetric metric,
                                                           ActivityType type) {
  v1::GetLeaderboardRequest request;
  request.set_team_id(team_id);
  request.set_metric(metric);
  request.set_activity_type(type);
  const auto [start, end] = CoveringDays();
  periods::DateToProto(start, request.mutable_start_date());
  periods::DateToProto(end, request.mutable_end_date());
  request.set_top_n(1000);
  v1::GetLeaderboardResponse response;
  grpc::ClientContext context;
  PrepareContext(context, token);
  const grpc::Status status = stub.GetLeaderboard(&context, request, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        absl::StrCat("GetLeaderboard: ", status.error_message()));
  }
  std::map<std::string, int64_t> values;
  for (const v1::LeaderboardEntry& entry : response.entries()) {
    values[entry.member_id()] = entry.value();
  }
  if (response.ranked_count() != response.entries_size()) {
    return absl::InternalError(absl::StrCat("ranked_count ", response.ranked_count(), " but ",
                                            response.entries_size(), " entries"));
  }
  return values;
}

std::string StatusText(const grpc::Status& status) {
  return absl::StrCat(status.error_code(), " ", status.error_message());
}

class ActivityFaultTest : public ::testing::TestWithParam<DatabaseKind> {
 protected:
  void SetUp() override {
    dir_ = salesteam::testing::MakeTempDir("activity_fault_test");
    ASSERT_FALSE(dir_.empty());
    ASSERT_OK_AND_ASSIGN(database_, TestDatabase::Create(GetParam()));
    ASSERT_OK_AND_ASSIGN(roster_, TestRoster::Start(kSecret, salesteam::testing::CacheKind::kFake,
                                                    absl::ZeroDuration()));
    ASSERT_OK_AND_ASSIGN(team_,
                         roster_->CreateTeam("Fault Line Sellers", roster::v1::SALES_MODEL_ISLAND,
                                             "America/New_York", kCurrency));
    for (int i = 0; i < kMembers; ++i) {
      ASSERT_OK_AND_ASSIGN(
          roster::v1::Member member,
          roster_->CreateMember(absl::StrCat("Rep ", i + 1), team_.id(),
                                roster::v1::MEMBER_ROLE_FULL_CYCLE, /*value_tier=*/2));
      members_.push_back(member.id());
    }
    token_ = roster_->Token("fault-test-admin", auth::Role::kAdmin);
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

  // Starts the server on this test's database and port, asking this test's
  // roster, with Redis at `redis_address`. Restart it with server_->Start().
  void StartServer(const std::string& redis_address, std::vector<std::string> extra_flags = {}) {
    std::vector<std::string> args = {
        ACTIVITY_SERVER_PATH, absl::StrCat("--listen_address=127.0.0.1:", port_),
        "--metrics_address=off", absl::StrCat("--database_url=", database_->url()),
        absl::StrCat("--roster_address=", roster_->address())};
    args.insert(args.end(), extra_flags.begin(), extra_flags.end());
    // The server's configuration is this test's alone: no SALESTEAM_*
    // variable of the caller's environment reaches it.
    std::vector<std::string> env = {absl::StrCat("SALESTEAM_JWT_SECRET=", kSecret),
                                    absl::StrCat("SALESTEAM_REDIS_ADDRESS=", redis_address)};
    for (char** e = environ; *e != nullptr; ++e) {
      if (!absl::StartsWith(*e, "SALESTEAM_")) env.emplace_back(*e);
    }
    server_ = std::make_unique<ServerProcess>(dir_ + "/activity_server.log", std::move(args),
                                              std::move(env), port_);
    ASSERT_OK(server_->Start());
  }

  ActivityService::Stub& stub() { return server_->stub(); }

  absl::StatusOr<Listing> ListTeam() {
    v1::ListActivitiesRequest request;
    request.set_team_id(team_.id());
    return ListAll(stub(), token_, request);
  }

  std::string dir_;
  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<TestRoster> roster_;
  roster::v1::Team team_;
  std::vector<std::string> members_;
  std::string token_;
  int port_ = 0;
  std::unique_ptr<ServerProcess> server_;
};

// A CRM sync of 40,000 events (and 2% redeliveries) is cut four times by
// SIGKILL: three times just after an answer with more batches in flight, and
// once just after a batch was written. After each cut the server restarts on
// the same database and port, and the client resends every batch it has no
// answer for. Whatever was committed but unanswered must come back as
// DUPLICATE, and at the end each id is recorded once and the KPIs agree.
TEST_P(ActivityFaultTest,
       KillNineMidStreamThenResendingUnacknowledgedBatchesRecordsEachIdExactlyOnce) {
  ASSERT_NO_FATAL_FAILURE(StartServer(salesteam::testing::TestRedisAddress()));
  Workload workload = MakeWorkload(members_, 40'000, 500, 20, 1);
  ASSERT_GE(workload.batches.size(), 80u);

  struct Cut {
    int after_answers = 0;  // SIGKILL right after this stream's n-th answer
    int after_writes = 0;   // or right after its n-th batch was written
  };
  // 3, then 17, then 41 batches answered in all (give or take answers that
  // were already on their way), then a kill without waiting for any answer.
  const std::vector<Cut> cuts = {{3, 0}, {14, 0}, {24, 0}, {0, 5}};
  IdSet recorded;  // as listed before the current stream began
  for (int session = 0;; ++session) {
    ASSERT_LE(session, static_cast<int>(cuts.size()));
    SessionPlan plan;
    plan.window = 6;
    const bool cut = session < static_cast<int>(cuts.size());
    if (cut && cuts[session].after_answers > 0) {
      plan.after_answer = [this, n = cuts[session].after_answers](int answered) {
        if (answered == n) server_->KillNine();
      };
    } else if (cut) {
      plan.after_write = [this, n = cuts[session].after_writes](int written) {
        if (written == n) server_->KillNine();
      };
    }
    const SessionResult result =
        StreamUnanswered(stub(), token_, workload.batches, workload.batches.size(), session, plan);
    ExpectAnswers(workload, session, recorded);
    if (!cut) {
      ASSERT_TRUE(result.status.ok()) << StatusText(result.status);
      ASSERT_EQ(result.answered, result.sent);
      break;
    }
    EXPECT_FALSE(result.status.ok()) << "stream " << session << " outlived its server";
    ASSERT_LT(result.answered, result.sent) << "the kill came too late to cut stream " << session;

    ASSERT_OK(server_->Start());
    ASSERT_OK_AND_ASSIGN(Listing listing, ListTeam());
    EXPECT_EQ(listing.rows, static_cast<int64_t>(listing.by_id.size())) << "an id listed twice";
    IdSet now = listing.Ids();
    ExpectAnsweredAreRecordedAndNothingElse(workload, now);
    int vanished = 0;
    for (const std::string& id : recorded) vanished += now.contains(id) ? 0 : 1;
    EXPECT_EQ(vanished, 0) << "recorded ids vanished across a restart";
    recorded = std::move(now);
  }

  ASSERT_OK_AND_ASSIGN(Listing listing, ListTeam());
  EXPECT_EQ(listing.rows, workload.distinct);
  EXPECT_EQ(static_cast<int>(listing.by_id.size()), workload.distinct);
  ExpectAnsweredAreRecordedAndNothingElse(workload, listing.Ids());
  // The first delivery of each id stands, redeliveries changed nothing.
  int changed = 0;
  for (const auto& [id, where] : workload.first) {
    auto it = listing.by_id.find(id);
    if (it == listing.by_id.end()) continue;
    const v1::Activity& sent = workload.batches[where.first].request.activities(where.second);
    if (it->second.type() != sent.type() || it->second.member_id() != sent.member_id()) ++changed;
  }
  EXPECT_EQ(changed, 0) << "recorded activities that are not their id's first delivery";
  ExpectTeamKpis(stub(), token_, team_.id(),
                 TallyFirstOccurrences(workload, workload.batches.size()));
}

// Redis dies in the middle of a stream and comes back later, empty, in the
// middle of another. No item and no call may fail because of it, and the
// leaderboards (kept in Redis) must always equal what was accepted: while
// Redis is gone, right after it is back, and after more ingest into it.
TEST_P(ActivityFaultTest, RedisKilledDuringIngestLosesNothingAndLeaderboardsRecover) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<RedisServer> redis, RedisServer::Start());
  ASSERT_NO_FATAL_FAILURE(StartServer(redis->address()));
  Workload workload = MakeWorkload(members_, 12'000, 500, 0, 2);
  ASSERT_EQ(workload.batches.size(), 24u);

  auto expect_leaderboards = [&](size_t end, const std::string& when) {
    SCOPED_TRACE(when);
    const Tally tally = TallyFirstOccurrences(workload, end);
    EXPECT_THAT(Leaderboard(stub(), token_, team_.id(), v1::LEADERBOARD_METRIC_ACTIVITY_COUNT,
                            v1::ACTIVITY_TYPE_CALL_MADE),
                salesteam::testing::IsOkAndHolds(tally.calls_by_member));
    EXPECT_THAT(Leaderboard(stub(), token_, team_.id(), v1::LEADERBOARD_METRIC_WON_VALUE,
                            v1::ACTIVITY_TYPE_UNSPECIFIED),
                salesteam::testing::IsOkAndHolds(tally.won_by_member));
    ExpectTeamKpis(stub(), token_, team_.id(), tally);
  };
  auto stream = [&](size_t end, int session, const SessionPlan& plan) {
    const SessionResult result =
        StreamUnanswered(stub(), token_, workload.batches, end, session, plan);
    EXPECT_TRUE(result.status.ok()) << "stream " << session << ": " << StatusText(result.status);
    EXPECT_EQ(result.answered, result.sent) << "stream " << session;
    ExpectAnswers(workload, session, {});
  };

  // Leaderboards in Redis before it dies.
  stream(4, 0, {});
  expect_leaderboards(4, "Redis up");

  SessionPlan kill;
  kill.after_answer = [&](int answered) {
    if (answered == 2) {
      EXPECT_OK(redis->Kill());
    }
  };
  stream(12, 1, kill);
  ASSERT_FALSE(redis->running());
  expect_leaderboards(12, "Redis down");

  SessionPlan restart;
  restart.after_answer = [&](int answered) {
    if (answered == 3) {
      EXPECT_OK(redis->Restart());
    }
  };
  stream(20, 2, restart);
  ASSERT_TRUE(redis->running());
  expect_leaderboards(20, "Redis back, empty, with part of a stream in it");

  stream(24, 3, {});
  expect_leaderboards(24, "more ingest after the recovery");
  expect_leaderboards(24, "read again");
}

// The roster stops answering. Items of a member the service has never asked
// about cannot be judged: they are refused as UNAVAILABLE and retryable (the
// CRM sends them again later), on the unary and the streaming path alike,
// and none of them is recorded, while an item of a member whose answer is
// cached is recorded as usual.
TEST_P(ActivityFaultTest, RosterUnreachableRefusesItemsAsRetryableAndRecordsNothingWrongly) {
  ASSERT_NO_FATAL_FAILURE(
      StartServer(salesteam::testing::TestRedisAddress(), {"--roster_deadline=1s"}));
  const std::string& known = members_[0];
  const std::string& unseen = members_[1];
  const absl::Time now = absl::Now();
  auto activity = [&](const std::string& id, const std::string& member, ActivityType type) {
    v1::Activity a;
    a.set_activity_id(id);
    a.set_member_id(member);
    a.set_type(type);
    periods::TimeToProto(now - absl::Hours(3), a.mutable_occurred_at());
    if (type == v1::ACTIVITY_TYPE_DEAL_WON) {
      a.mutable_amount()->set_currency_code(kCurrency);
      a.mutable_amount()->set_minor_units(250'000);
    }
    return a;
  };
  auto record = [&](std::vector<v1::Activity> items, v1::RecordActivitiesResponse* response) {
    v1::RecordActivitiesRequest request;
    for (v1::Activity& item : items) *request.add_activities() = std::move(item);
    grpc::ClientContext context;
    PrepareContext(context, token_);
    return stub().RecordActivities(&context, request, response);
  };

  // The service asks the roster about `known` now, and keeps the answer.
  {
    v1::RecordActivitiesResponse response;
    const grpc::Status status =
        record({activity("known-1", known, v1::ACTIVITY_TYPE_CALL_MADE)}, &response);
    ASSERT_TRUE(status.ok()) << StatusText(status);
    ASSERT_EQ(response.accepted_count(), 1) << response.ShortDebugString();
  }

  roster_->Stop();

  auto expect_retryable_refusal = [&](const v1::RecordResult& result, int index,
                                      const std::string& id) {
    SCOPED_TRACE(result.ShortDebugString());
    EXPECT_EQ(result.activity_id(), id);
    EXPECT_EQ(result.outcome(), v1::RECORD_OUTCOME_REJECTED);
    EXPECT_EQ(result.code(), static_cast<int>(absl::StatusCode::kUnavailable));
    EXPECT_TRUE(result.retryable());
    EXPECT_THAT(result.reason(), HasSubstr(absl::StrCat("activities[", index, "].member_id")));
  };
  const std::vector<v1::Activity> unseen_items = {
      activity("unseen-1", unseen, v1::ACTIVITY_TYPE_LEAD_CREATED),
      activity("unseen-2", unseen, v1::ACTIVITY_TYPE_DEAL_WON)};
  {
    v1::RecordActivitiesResponse response;
    const absl::Time start = absl::Now();
    const grpc::Status status =
        record({unseen_items[0], activity("known-2", known, v1::ACTIVITY_TYPE_MEETING_HELD),
                unseen_items[1], unseen_items[0]},
               &response);
    ASSERT_TRUE(status.ok()) << "the call succeeds, only its items are refused: "
                             << StatusText(status);
    EXPECT_LT(absl::Now() - start, absl::Seconds(10)) << "the roster call must carry a deadline";
    ASSERT_EQ(response.results_size(), 4) << response.ShortDebugString();
    expect_retryable_refusal(response.results(0), 0, "unseen-1");
    EXPECT_EQ(response.results(1).outcome(), v1::RECORD_OUTCOME_ACCEPTED)
        << "a neighbour whose member is cached is recorded: "
        << response.results(1).ShortDebugString();
    expect_retryable_refusal(response.results(2), 2, "unseen-2");
    // A repeat of a refused item is refused too: nothing was recorded, so
    // DUPLICATE would tell the CRM it may forget the event.
    EXPECT_EQ(response.results(3).outcome(), v1::RECORD_OUTCOME_REJECTED)
        << response.results(3).ShortDebugString();
    EXPECT_TRUE(response.results(3).retryable());
    EXPECT_EQ(response.accepted_count(), 1);
    EXPECT_EQ(response.rejected_count(), 3);
  }
  // The streaming path judges the same way, and the stream itself succeeds.
  {
    std::vector<Batch> batches(1);
    batches[0].request.set_batch_number(1);
    for (const v1::Activity& item : unseen_items) *batches[0].request.add_activities() = item;
    const SessionResult result = StreamUnanswered(stub(), token_, batches, 1, 0, {});
    ASSERT_TRUE(result.status.ok()) << StatusText(result.status);
    ASSERT_TRUE(batches[0].answered);
    ASSERT_EQ(batches[0].answer.results_size(), 2);
    expect_retryable_refusal(batches[0].answer.results(0), 0, "unseen-1");
    expect_retryable_refusal(batches[0].answer.results(1), 1, "unseen-2");
  }

  v1::ListActivitiesRequest by_member;
  by_member.set_member_id(unseen);
  ASSERT_OK_AND_ASSIGN(Listing unseen_listing, ListAll(stub(), token_, by_member));
  EXPECT_EQ(unseen_listing.rows, 0) << "nothing of a refused item may be recorded";
  ASSERT_OK_AND_ASSIGN(Listing team_listing, ListTeam());
  EXPECT_EQ(team_listing.Ids(), (IdSet{"known-1", "known-2"}));
}

// SIGTERM arrives while a trickling sync streams. The server drains: every
// batch the client had sent before the signal is answered, the process
// exits 0, and after a restart every answered batch is on disk; resending
// the rest completes the sync with each id once.
TEST_P(ActivityFaultTest, SigtermDrainsInFlightBatchesAndAcknowledgedMeansDurable) {
  ASSERT_NO_FATAL_FAILURE(StartServer(salesteam::testing::TestRedisAddress(),
                                      {"--shutdown_grace=1500ms", "--prestop_delay=0s"}));
  Workload workload = MakeWorkload(members_, 30'000, 200, 0, 4);
  ASSERT_EQ(workload.batches.size(), 150u);

  std::atomic<int> written{0};
  std::atomic<int> written_at_signal{-1};
  SessionPlan plan;
  plan.window = 4;
  // 150 batches at 25 ms take about 4 s: the 1.5 s grace ends mid-stream.
  plan.pace = absl::Milliseconds(25);
  plan.after_write = [&](int n) { written = n; };
  plan.after_answer = [&](int answered) {
    if (answered == 8) {
      written_at_signal = written.load();
      EXPECT_TRUE(server_->Signal(SIGTERM));
    }
  };
  const SessionResult result =
      StreamUnanswered(stub(), token_, workload.batches, workload.batches.size(), 0, plan);
  const std::optional<int> exit = server_->WaitForExit(absl::Seconds(15));
  ASSERT_TRUE(exit.has_value()) << "still running 15 s after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*exit) && WEXITSTATUS(*exit) == 0) << DescribeWaitStatus(*exit);
  ASSERT_LT(result.answered, result.sent)
      << "the stream ended before the drain did: the test proves nothing";
  EXPECT_GE(result.answered, written_at_signal.load())
      << "every batch sent before SIGTERM must be answered while draining";
  ExpectAnswers(workload, 0, {});

  ASSERT_OK(server_->Start());
  ASSERT_OK_AND_ASSIGN(Listing listing, ListTeam());
  IdSet recorded = listing.Ids();
  ExpectAnsweredAreRecordedAndNothingElse(workload, recorded);

  const SessionResult resent =
      StreamUnanswered(stub(), token_, workload.batches, workload.batches.size(), 1, {});
  ASSERT_TRUE(resent.status.ok()) << StatusText(resent.status);
  EXPECT_EQ(resent.answered, resent.sent);
  ExpectAnswers(workload, 1, recorded);
  ASSERT_OK_AND_ASSIGN(Listing final_listing, ListTeam());
  EXPECT_EQ(final_listing.rows, workload.distinct);
  EXPECT_EQ(static_cast<int>(final_listing.by_id.size()), workload.distinct);
}

// A burst of 24 moves through a real roster_server process (on its own
// SQLite file), cut by SIGKILL after the 8th and 16th and restarted on the
// same file and port; the mover retries a move the cut left unanswered
// (read back first: a move that committed is not made twice). The activity
// server follows the roster's change feed throughout. After the burst, with
// no waiting, every mover's activity of today goes to the new team, and the
// feed position the activity service saved reaches the roster's last change.
TEST_P(ActivityFaultTest, RosterKilledDuringABurstOfMovesActivityConvergesOnEveryChange) {
  namespace rosterpb = ::salesteam::roster::v1;
  const int roster_port = salesteam::testing::PickUnusedPort();
  ASSERT_NE(roster_port, 0);
  std::vector<std::string> env = {
      absl::StrCat("SALESTEAM_JWT_SECRET=", kSecret),
      absl::StrCat("SALESTEAM_REDIS_ADDRESS=", salesteam::testing::TestRedisAddress())};
  for (char** e = environ; *e != nullptr; ++e) {
    if (!absl::StartsWith(*e, "SALESTEAM_")) env.emplace_back(*e);
  }
  ServerProcess roster(
      dir_ + "/roster_server.log",
      {ROSTER_SERVER_PATH, absl::StrCat("--listen_address=127.0.0.1:", roster_port),
       "--metrics_address=off", absl::StrCat("--database_url=sqlite://", dir_, "/roster.db")},
      env, roster_port, rosterpb::RosterService::service_full_name());
  ASSERT_OK(roster.Start()) << roster.Log();
  auto roster_stub =
      rosterpb::RosterService::NewStub(NewChannel(absl::StrCat("127.0.0.1:", roster_port)));
  auto call = [&](auto method, const auto& request, auto* response) {
    grpc::ClientContext context;
    PrepareContext(context, token_);
    return ((*roster_stub).*method)(&context, request, response);
  };

  // Two teams and the movers, hired a month ago.
  auto create_team = [&](absl::string_view name) -> absl::StatusOr<rosterpb::Team> {
    rosterpb::CreateTeamRequest request;
    request.mutable_team()->set_name(std::string(name));
    request.mutable_team()->set_time_zone("UTC");
    request.mutable_team()->set_currency_code(kCurrency);
    request.mutable_team()->set_sales_model(rosterpb::SALES_MODEL_ISLAND);
    request.mutable_team()->mutable_expectation_policy()->set_min_attainment_bps(8000);
    request.mutable_team()->mutable_expectation_policy()->set_consecutive_periods(2);
    rosterpb::CreateTeamResponse response;
    grpc::Status status = call(&rosterpb::RosterService::Stub::CreateTeam, request, &response);
    if (!status.ok()) return FromGrpcStatus(status);
    return response.team();
  };
  ASSERT_OK_AND_ASSIGN(rosterpb::Team from, create_team("Before the burst"));
  ASSERT_OK_AND_ASSIGN(rosterpb::Team to, create_team("After the burst"));
  const periods::Date today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  constexpr int kMovers = 24;
  std::vector<rosterpb::Member> movers;
  for (int i = 0; i < kMovers; ++i) {
    rosterpb::CreateMemberRequest request;
    request.mutable_member()->set_name(absl::StrCat("Mover ", i + 1));
    request.mutable_member()->set_email(absl::StrCat("mover", i + 1, "@burst.example"));
    request.mutable_member()->set_value_tier(2);
    periods::DateToProto(today - 30, request.mutable_member()->mutable_hire_date());
    request.set_team_id(from.id());
    request.set_role(rosterpb::MEMBER_ROLE_FULL_CYCLE);
    rosterpb::CreateMemberResponse response;
    ASSERT_TRUE(call(&rosterpb::RosterService::Stub::CreateMember, request, &response).ok());
    movers.push_back(response.member());
  }

  // The activity server follows this roster.
  std::vector<std::string> args = {
      ACTIVITY_SERVER_PATH, absl::StrCat("--listen_address=127.0.0.1:", port_),
      "--metrics_address=off", absl::StrCat("--database_url=", database_->url()),
      absl::StrCat("--roster_address=127.0.0.1:", roster_port)};
  server_ = std::make_unique<ServerProcess>(dir_ + "/activity_server.log", args, env, port_);
  ASSERT_OK(server_->Start());
  // Warm the activity service's caches with every mover in the old team.
  for (const rosterpb::Member& mover : movers) {
    v1::RecordActivitiesRequest request;
    v1::Activity& activity = *request.add_activities();
    activity.set_activity_id(absl::StrCat("before-", mover.id()));
    activity.set_member_id(mover.id());
    activity.set_type(v1::ACTIVITY_TYPE_CALL_MADE);
    periods::TimeToProto(absl::Now() - absl::Hours(24 * 3), activity.mutable_occurred_at());
    v1::RecordActivitiesResponse response;
    grpc::ClientContext context;
    PrepareContext(context, token_);
    ASSERT_TRUE(stub().RecordActivities(&context, request, &response).ok());
    ASSERT_EQ(response.accepted_count(), 1) << response.ShortDebugString();
  }

  for (int i = 0; i < kMovers; ++i) {
    if (i == 8 || i == 16) {
      roster.KillNine();
      ASSERT_OK(roster.Start()) << roster.Log();
    }
    const absl::Time give_up = absl::Now() + absl::Seconds(30);
    while (true) {
      ASSERT_LT(absl::Now(), give_up) << "move " << i << " never went through";
      rosterpb::GetMemberRequest get;
      get.set_member_id(movers[i].id());
      rosterpb::GetMemberResponse current;
      if (!call(&rosterpb::RosterService::Stub::GetMember, get, &current).ok()) continue;
      if (current.member().team_id() == to.id()) break;  // committed before a cut
      rosterpb::MoveMemberRequest move;
      move.set_member_id(movers[i].id());
      move.set_version(current.member().version());
      move.set_team_id(to.id());
      move.set_role(rosterpb::MEMBER_ROLE_FULL_CYCLE);
      periods::DateToProto(today, move.mutable_effective_date());
      rosterpb::MoveMemberResponse moved;
      if (call(&rosterpb::RosterService::Stub::MoveMember, move, &moved).ok()) break;
    }
  }

  // No waiting: each mover's activity of today goes to the new team.
  v1::RecordActivitiesRequest request;
  for (const rosterpb::Member& mover : movers) {
    v1::Activity& activity = *request.add_activities();
    activity.set_activity_id(absl::StrCat("after-", mover.id()));
    activity.set_member_id(mover.id());
    activity.set_type(v1::ACTIVITY_TYPE_CALL_MADE);
    periods::TimeToProto(absl::Now() - absl::Seconds(1), activity.mutable_occurred_at());
  }
  v1::RecordActivitiesResponse recorded;
  {
    grpc::ClientContext context;
    PrepareContext(context, token_);
    ASSERT_TRUE(stub().RecordActivities(&context, request, &recorded).ok());
  }
  ASSERT_EQ(recorded.accepted_count(), kMovers) << recorded.ShortDebugString();
  v1::ListActivitiesRequest list;
  list.set_team_id(to.id());
  ASSERT_OK_AND_ASSIGN(Listing listed, ListAll(stub(), token_, list));
  EXPECT_EQ(listed.by_id.size(), static_cast<size_t>(kMovers));

  // The feed position converges on the roster's last change: every change
  // was applied, none is left behind.
  rosterpb::WatchRosterChangesRequest watch;
  watch.set_start_at_head(true);
  grpc::ClientContext context;
  PrepareContext(context, token_);
  auto reader = roster_stub->WatchRosterChanges(&context, watch);
  rosterpb::WatchRosterChangesResponse head;
  ASSERT_TRUE(reader->Read(&head));
  context.TryCancel();
  reader->Finish().ok();
  EXPECT_EQ(head.head_sequence(), 2 + kMovers + kMovers);  // teams, hires, moves
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::Database> db, database_->Open());
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  std::optional<int64_t> saved;
  while (absl::Now() < give_up) {
    ASSERT_OK_AND_ASSIGN(std::optional<clients::RosterFeedPosition> position,
                         clients::LoadRosterFeedPosition(*db, "activity"));
    if (position.has_value()) saved = position->sequence;
    if (saved == head.head_sequence()) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(saved, head.head_sequence());
}

INSTANTIATE_TEST_SUITE_P(BothDatabases, ActivityFaultTest,
                         ::testing::Values(DatabaseKind::kSqlite, DatabaseKind::kPostgres),
                         salesteam::testing::DatabaseKindParamName);

}  // namespace
}  // namespace salesteam::activity
