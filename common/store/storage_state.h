// Whether this process's database storage is exhausted: a full disk, a
// SQLite file at its size limit, a PostgreSQL server out of disk space. The
// drivers (sqlite_database.cc, postgres_database.cc) report it when a write
// fails for lack of space, and answer the caller RESOURCE_EXHAUSTED saying
// what is full; the next write that commits clears it. The server shows it as
// the gauge salesteam_storage_exhausted and logs each change (server.cc
// installs the listener).
//
// Health stays SERVING while storage is full, on purpose: every replica
// shares the database (PostgreSQL) or is the only one (SQLite), so taking it
// out of the load balancer would turn "writes are refused with a clear
// message, reads still answer" into "nothing answers". Alert on the gauge.
#ifndef SALESTEAM_COMMON_STORE_STORAGE_STATE_H_
#define SALESTEAM_COMMON_STORE_STORAGE_STATE_H_

#include <functional>

#include "absl/strings/string_view.h"

namespace salesteam::store {

// Called on each change: exhausted (with the driver's own detail, which may
// name files and is for operators only) or writable again (detail empty).
using StorageListener = std::function<void(bool exhausted, absl::string_view detail)>;

// Replaces the listener (one per process; null: none).
void SetStorageListener(StorageListener listener);

// A write failed because the storage is full.
void NoteStorageExhausted(absl::string_view detail);
// A write committed: the storage has room (again).
void NoteStorageWritable();

// Whether the last write that failed for lack of space has not been
// followed by one that committed.
bool StorageExhausted();

}  // namespace salesteam::store

#endif  // SALESTEAM_COMMON_STORE_STORAGE_STATE_H_
