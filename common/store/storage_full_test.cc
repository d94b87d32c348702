// A full disk, for real, on both databases: SQLite's file lives on a small
// tmpfs, PostgreSQL's table in a tablespace on one. When writes no longer
// fit, the driver answers RESOURCE_EXHAUSTED saying what is full (never
// INTERNAL: the request was fine), reports the storage as exhausted, and
// writes nothing of the failed transaction; once space is freed (the tmpfs is
// made larger) the same transaction, resent, commits, and nothing is lost or
// doubled. Mounting needs root, as tools/test runs here.
#include <pwd.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/store/database.h"
#include "common/store/storage_state.h"
#include "common/testing/databases.h"
#include "common/testing/status_matchers.h"
#include "common/testing/test_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam::store {
namespace {

using ::salesteam::testing::DatabaseKind;
using ::salesteam::testing::StatusIs;
using ::salesteam::testing::TestDatabase;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr int kRowsPerBatch = 50;
constexpr int kPayloadBytes = 2000;

// A tmpfs of a given size, mounted on a fresh folder.
class SmallDisk {
 public:
  static absl::StatusOr<std::unique_ptr<SmallDisk>> Mount(int mib) {
    std::string dir = salesteam::testing::MakeTempDir("storage_full_test");
    if (dir.empty()) return absl::InternalError("no temp folder");
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, absl::StrCat("size=", mib, "m").c_str()) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("mount tmpfs on ", dir, ": ", std::strerror(errno)));
    }
    return std::unique_ptr<SmallDisk>(new SmallDisk(std::move(dir)));
  }
  ~SmallDisk() {
    ::umount2(dir_.c_str(), MNT_DETACH);
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  // Frees space the way an operator would: the disk gets bigger.
  absl::Status Resize(int mib) {
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT,
                absl::StrCat("size=", mib, "m").c_str()) != 0) {
      return absl::InternalError(absl::StrCat("remount ", dir_, ": ", std::strerror(errno)));
    }
    return absl::OkStatus();
  }
  const std::string& dir() const { return dir_; }

 private:
  explicit SmallDisk(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

class StorageFullTest : public ::testing::TestWithParam<DatabaseKind> {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root (tools/test runs as root)";
    ASSERT_OK_AND_ASSIGN(disk_, SmallDisk::Mount(2));
    if (GetParam() == DatabaseKind::kSqlite) {
      ASSERT_OK_AND_ASSIGN(db_, OpenDatabase(absl::StrCat("sqlite://", disk_->dir(), "/full.db"),
                                             DatabaseOptions{}));
      ASSERT_OK(db_->Execute("CREATE TABLE facts (id TEXT PRIMARY KEY, payload TEXT NOT NULL)"));
      return;
    }
    // PostgreSQL writes the tablespace's files as its own user.
    const passwd* pg = ::getpwnam("postgres");
    ASSERT_NE(pg, nullptr) << "no postgres user";
    ASSERT_EQ(::chown(disk_->dir().c_str(), pg->pw_uid, pg->pw_gid), 0) << std::strerror(errno);
    tablespace_ = absl::StrCat("storage_full_", ::getpid());
    ASSERT_OK(salesteam::testing::ExecOnTestPostgres(
        absl::StrCat("CREATE TABLESPACE ", tablespace_, " LOCATION '", disk_->dir(), "'")));
    ASSERT_OK_AND_ASSIGN(database_, TestDatabase::Create(DatabaseKind::kPostgres));
    ASSERT_OK_AND_ASSIGN(db_, database_->Open());
    ASSERT_OK(db_->Execute(
        absl::StrCat("CREATE TABLE facts (id TEXT PRIMARY KEY, payload TEXT NOT NULL) TABLESPACE ",
                     tablespace_)));
  }

  void TearDown() override {
    db_.reset();
    database_.reset();
    if (!tablespace_.empty()) {
      EXPECT_OK(salesteam::testing::ExecOnTestPostgres("DROP TABLESPACE " + tablespace_));
    }
    disk_.reset();
  }

  // Batch `b`: kRowsPerBatch rows whose payloads do not compress.
  absl::Status WriteBatch(int b) {
    return db_->Transact([b](Transaction& tx) -> absl::Status {
      for (int i = 0; i < kRowsPerBatch; ++i) {
        std::string payload;
        uint64_t x = static_cast<uint64_t>(b) * 1000003 + i + 1;
        while (payload.size() < kPayloadBytes) {
          x = x * 6364136223846793005ULL + 1442695040888963407ULL;
          absl::StrAppend(&payload, x);
        }
        const std::string id = absl::StrCat("b", b, "-", i);
        RETURN_IF_ERROR(
            tx.Execute("INSERT INTO facts (id, payload) VALUES ($1, $2)", {id, payload}).status());
      }
      return absl::OkStatus();
    });
  }

  int64_t CountRows(absl::string_view where = "") {
    absl::StatusOr<ResultSet> rows =
        db_->Query(absl::StrCat("SELECT COUNT(*), COUNT(DISTINCT id) FROM facts", where));
    EXPECT_OK(rows.status());
    if (!rows.ok()) return -1;
    const absl::StatusOr<int64_t> all = rows->front().Int64(0);
    const absl::StatusOr<int64_t> distinct = rows->front().Int64(1);
    if (!all.ok() || !distinct.ok()) return -1;
    EXPECT_EQ(*all, *distinct) << "an id stored twice";
    return *all;
  }

  std::unique_ptr<SmallDisk> disk_;
  std::unique_ptr<TestDatabase> database_;
  std::string tablespace_;
  std::unique_ptr<Database> db_;
};

TEST_P(StorageFullTest, AFullDiskIsResourceExhaustedNamingItAndAResendAfterFreeingSpaceCommits) {
  // Fill the disk, a transaction at a time, until one does not fit.
  int committed = 0;
  absl::Status full;
  for (; committed < 1000; ++committed) {
    full = WriteBatch(committed);
    if (!full.ok()) break;
  }
  ASSERT_FALSE(full.ok()) << "2 MiB never filled up";
  ASSERT_GT(committed, 0) << "not even one batch fitted: " << full;
  EXPECT_THAT(
      full, StatusIs(absl::StatusCode::kResourceExhausted,
                     AllOf(HasSubstr("storage full"),
                           HasSubstr(GetParam() == DatabaseKind::kSqlite ? "SQLite" : "PostgreSQL"),
                           HasSubstr("disk"), HasSubstr("nothing of this request"))));
  EXPECT_TRUE(StorageExhausted());
  // The failed transaction left nothing behind; every committed one stays.
  EXPECT_EQ(CountRows(), int64_t{committed} * kRowsPerBatch);

  ASSERT_OK(disk_->Resize(64));
  ASSERT_OK(WriteBatch(committed)) << "the same transaction, resent once space was freed";
  EXPECT_FALSE(StorageExhausted()) << "a commit shows the storage has room again";
  EXPECT_EQ(CountRows(), int64_t{committed + 1} * kRowsPerBatch);
  EXPECT_EQ(CountRows(absl::StrCat(" WHERE id LIKE 'b", committed, "-%'")), kRowsPerBatch);
}

INSTANTIATE_TEST_SUITE_P(Databases, StorageFullTest,
                         ::testing::Values(DatabaseKind::kSqlite, DatabaseKind::kPostgres),
                         salesteam::testing::DatabaseKindParamName);

}  // namespace
}  // namespace salesteam::store
