// EchoService as a real server process, run by the shutdown test (and handy
// for trying the server bootstrap by hand):
//   SALESTEAM_JWT_SECRET=... echo_test_server --listen_address=127.0.0.1:50099
#include "common/config.h"
#include "common/server/server.h"
#include "common/server/testing/echo_service.h"

int main(int argc, char** argv) {
  salesteam::ParseFlagsWithEnv(argc, argv);
  salesteam::server::ServerOptions options =
      salesteam::server::ServerOptionsFromFlags(/*default_port=*/50099,
                                                /*default_metrics_port=*/9199);
  salesteam::server::testing::EchoServiceImpl echo;
  return salesteam::server::RunServer(
      std::move(options), {{salesteam::testing::v1::EchoService::service_full_name(), &echo}});
}
