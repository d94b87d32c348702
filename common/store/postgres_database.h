// The PostgreSQL driver behind store::Database (libpq). A bounded connection
// pool: a call takes a connection (opening one when fewer than
// postgres_pool_size are open, otherwise waiting up to
// postgres_acquire_timeout), uses it and gives it back.
//
// Surviving a server restart: a pooled connection whose socket has become
// readable while idle (the server said goodbye or closed it) is discarded
// before use and replaced; a connection that breaks during a call fails that
// call with UNAVAILABLE and is discarded; the next call opens a new one, so it
// succeeds as soon as the server is back. An UNAVAILABLE from a transaction's
// COMMIT means its outcome is unknown: write idempotently (ON CONFLICT) so
// that retrying is safe.
//
// Parameters are sent in binary with their type fixed by the Param: INT64 as
// BIGINT, DOUBLE as DOUBLE PRECISION, TEXT as TEXT, BYTES as BYTEA (NULL is
// left for the server to infer). Each connection prepares a statement once per
// SQL text and parameter types (PQprepare) and then only executes it
// (PQexecPrepared).
#ifndef SALESTEAM_COMMON_STORE_POSTGRES_DATABASE_H_
#define SALESTEAM_COMMON_STORE_POSTGRES_DATABASE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/store/database.h"

namespace salesteam::store {

// `conninfo` is a postgresql:// URL or a libpq key=value string.
absl::StatusOr<std::unique_ptr<Database>> OpenPostgresDatabase(const std::string& conninfo,
                                                               const DatabaseOptions& options);

}  // namespace salesteam::store

#endif  // SALESTEAM_COMMON_STORE_POSTGRES_DATABASE_H_
