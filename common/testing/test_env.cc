#include "common/testing/test_env.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "gtest/gtest.h"

namespace salesteam::testing {

std::string TestRedisAddress() {
  const char* value = std::getenv("SALESTEAM_TEST_REDIS");
  return value != nullptr && *value != '\0' ? value : "127.0.0.1:6379";
}

std::string TestPostgresConninfo() {
  const char* value = std::getenv("SALESTEAM_TEST_POSTGRES");
  if (value == nullptr || *value == '\0') {
    ADD_FAILURE() << "SALESTEAM_TEST_POSTGRES is not set: run the tests through tools/test, "
                     "which starts a PostgreSQL cluster for them";
    return "";
  }
  return value;
}

int PickUnusedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string MakeTempDir(const std::string& prefix) {
  std::string templ = (std::filesystem::temp_directory_path() / (prefix + ".XXXXXX")).string();
  if (::mkdtemp(templ.data()) == nullptr) return "";
  return templ;
}

}  // namespace salesteam::testing
