// The SQLite driver behind store::Database: the embedded default, one file per
// service. One writer connection (every write transaction takes it in turn,
// with BEGIN IMMEDIATE so that a transaction never fails half-way on a lock
// upgrade) plus a small pool of reader connections that, thanks to WAL, read a
// consistent snapshot beside the writer without blocking it.
//
// Durability: synchronous=FULL by default, so an acknowledged commit survives
// power loss (compensation data pays people); DatabaseOptions can choose
// NORMAL, which in WAL mode survives process crashes but may lose the last
// commits on power loss.
//
// Another process writing the same file makes our writer wait up to the busy
// timeout; after that the transaction fails with ABORTED.
#ifndef SALESTEAM_COMMON_STORE_SQLITE_DATABASE_H_
#define SALESTEAM_COMMON_STORE_SQLITE_DATABASE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/store/database.h"

namespace salesteam::store {

// Opens (creating if missing) the SQLite file at `path`, or a private
// in-memory database for ":memory:" (no readers: every call uses the writer).
absl::StatusOr<std::unique_ptr<Database>> OpenSqliteDatabase(const std::string& path,
                                                             const DatabaseOptions& options);

}  // namespace salesteam::store

#endif  // SALESTEAM_COMMON_STORE_SQLITE_DATABASE_H_
