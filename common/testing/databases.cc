#include "common/testing/databases.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <system_error>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status.h"
#include "common/testing/test_env.h"

namespace salesteam::testing {
namespace {

std::string Quote(const char* value) {
  return absl::StrCat("'", absl::StrReplaceAll(value, {{"\\", "\\\\"}, {"'", "\\'"}}), "'");
}

// `conninfo` (URL or key=value) with its database replaced by `dbname`.
absl::StatusOr<std::string> WithDatabase(const std::string& conninfo, const std::string& dbname) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    std::string message = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    return absl::InvalidArgumentError(absl::StrCat("SALESTEAM_TEST_POSTGRES: ", message));
  }
  std::string out;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || std::string(o->keyword) == "dbname") continue;
    absl::StrAppend(&out, o->keyword, "=", Quote(o->val), " ");
  }
  PQconninfoFree(options);
  absl::StrAppend(&out, "dbname=", Quote(dbname.c_str()));
  return out;
}

// Runs one statement on a short-lived admin connection.
absl::Status AdminExec(const std::string& conninfo, const std::string& sql) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  absl::Status status;
  if (PQstatus(conn) != CONNECTION_OK) {
    status = absl::UnavailableError(
        absl::StrCat("cannot connect to the test PostgreSQL: ", PQerrorMessage(conn)));
  } else {
    PGresult* res = PQexec(conn, sql.c_str());
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
      status = absl::InternalError(absl::StrCat(sql, ": ", PQresultErrorMessage(res)));
    }
    PQclear(res);
  }
  PQfinish(conn);
  return status;
}

}  // namespace

absl::Status ExecOnTestPostgres(const std::string& sql) {
  return AdminExec(TestPostgresConninfo(), sql);
}

std::string DatabaseKindName(DatabaseKind kind) {
  return kind == DatabaseKind::kSqlite ? "sqlite" : "postgres";
}

std::string DatabaseKindParamName(const ::testing::TestParamInfo<DatabaseKind>& info) {
  return DatabaseKindName(info.param);
}

void PrintTo(DatabaseKind kind, std::ostream* os) { *os << DatabaseKindName(kind); }

absl::StatusOr<std::unique_ptr<TestDatabase>> TestDatabase::Create(DatabaseKind kind) {
  if (kind == DatabaseKind::kSqlite) {
    const std::string dir = MakeTempDir("salesteam-store-test");
    if (dir.empty()) return absl::InternalError("cannot create a temporary folder");
    auto db = std::unique_ptr<TestDatabase>(
        new TestDatabase(kind, absl::StrCat("sqlite://", dir, "/test.db")));
    db->temp_dir_ = dir;
    return db;
  }
  const std::string admin = TestPostgresConninfo();
  if (admin.empty()) return absl::FailedPreconditionError("SALESTEAM_TEST_POSTGRES is not set");
  // Unique across parallel test processes and repeated runs.
  static std::atomic<int> counter{0};
  absl::BitGen gen;
  const std::string name = absl::StrCat("salesteam_test_", ::getpid(), "_", counter.fetch_add(1),
                                        "_", absl::Uniform<uint32_t>(gen));
  RETURN_IF_ERROR(AdminExec(admin, absl::StrCat("CREATE DATABASE ", name)));
  auto url = WithDatabase(admin, name);
  if (!url.ok()) {
    (void)AdminExec(admin, absl::StrCat("DROP DATABASE IF EXISTS ", name, " WITH (FORCE)"));
    return url.status();
  }
  auto db = std::unique_ptr<TestDatabase>(new TestDatabase(kind, *url));
  db->admin_conninfo_ = admin;
  db->pg_name_ = name;
  return db;
}

TestDatabase::~TestDatabase() {
  if (!temp_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(temp_dir_, ignored);
  }
  if (!pg_name_.empty()) {
    absl::Status status = AdminExec(
        admin_conninfo_, absl::StrCat("DROP DATABASE IF EXISTS ", pg_name_, " WITH (FORCE)"));
    if (!status.ok()) ADD_FAILURE() << "cannot drop test database " << pg_name_ << ": " << status;
  }
}

absl::StatusOr<std::unique_ptr<store::Database>> TestDatabase::Open(
    const store::DatabaseOptions& options) const {
  return store::OpenDatabase(url_, options);
}

void DatabaseTest::SetUp() {
  auto test_db = TestDatabase::Create(GetParam());
  ASSERT_TRUE(test_db.ok()) << test_db.status();
  test_db_ = std::move(*test_db);
  auto db = test_db_->Open();
  ASSERT_TRUE(db.ok()) << db.status();
  db_ = std::move(*db);
}

void DatabaseTest::TearDown() {
  db_.reset();
  test_db_.reset();
}

}  // namespace salesteam::testing
