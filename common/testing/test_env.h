// Where the tests find the real servers they run against. The README's test
// command (tools/test) starts a private redis-server and PostgreSQL cluster and
// exports their addresses; tests read them here:
//   SALESTEAM_TEST_REDIS      host:port of a redis-server tests may flush
//   SALESTEAM_TEST_POSTGRES   libpq conninfo of a PostgreSQL tests may write
//   SALESTEAM_TEST_PGDATA     that cluster's data folder (restart tests)
//   SALESTEAM_TEST_PGBIN      folder holding pg_ctl (restart tests)
#ifndef SALESTEAM_COMMON_TESTING_TEST_ENV_H_
#define SALESTEAM_COMMON_TESTING_TEST_ENV_H_

#include <string>

namespace salesteam::testing {

// host:port of the shared test Redis; 127.0.0.1:6379 when unset.
std::string TestRedisAddress();

// libpq conninfo of the test PostgreSQL. Fails the calling test (and returns
// "") when unset, so that a PostgreSQL test never passes by skipping.
std::string TestPostgresConninfo();

// A TCP port on 127.0.0.1 that nothing listens on right now.
int PickUnusedPort();

// A fresh folder under the system temp folder, removed by the caller.
std::string MakeTempDir(const std::string& prefix);

}  // namespace salesteam::testing

#endif  // SALESTEAM_COMMON_TESTING_TEST_ENV_H_
