#include "common/server/metrics.h"

#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam::server {
namespace {

using ::salesteam::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsRegistryTest, RendersCountersWithHelpTypeAndLabels) {
  MetricsRegistry registry;
  auto& calls = registry.AddCounterFamily("calls_total", "Calls made.", {"method", "code"});
  calls.WithLabels({"Get", "OK"}).Increment();
  calls.WithLabels({"Get", "OK"}).Increment(2);
  calls.WithLabels({"Put", "ABORTED"}).Increment();
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("# HELP calls_total Calls made.\n# TYPE calls_total counter\n"));
  EXPECT_THAT(text, HasSubstr("calls_total{method=\"Get\",code=\"OK\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("calls_total{method=\"Put\",code=\"ABORTED\"} 1\n"));
}

TEST(MetricsRegistryTest, EscapesLabelValuesAndHelp) {
  MetricsRegistry registry;
  registry.AddGaugeFamily("g", "line1\nback\\slash", {"l"}).WithLabels({"a\"b\\c\nd"}).Set(1.5);
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("# HELP g line1\\nback\\\\slash\n"));
  EXPECT_THAT(text, HasSubstr("g{l=\"a\\\"b\\\\c\\nd\"} 1.5\n"));
}

TEST(MetricsRegistryTest, LabelValuesStayValidUtf8WhateverBytesTheyHold) {
  MetricsRegistry registry;
  auto& family = registry.AddCounterFamily("c_total", "C.", {"l"});
  family.WithLabels({"Zürich"}).Increment();
  family
      .WithLabels({"bad\xff\xc0\xaf"
                   "end"})
      .Increment();
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("c_total{l=\"Zürich\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("c_total{l=\"bad\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                              "end\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("\xff")));
}

TEST(MetricsRegistryTest, HistogramBucketsAreCumulativeWithSumAndCount) {
  MetricsRegistry registry;
  auto& latency = registry.AddHistogramFamily("latency_seconds", "Latency.", {"m"}, {0.1, 1});
  Histogram& h = latency.WithLabels({"Get"});
  h.Observe(0.05);
  h.Observe(0.1);  // bounds are inclusive
  h.Observe(0.5);
  h.Observe(7);
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("# TYPE latency_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr("latency_seconds_bucket{m=\"Get\",le=\"0.1\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("latency_seconds_bucket{m=\"Get\",le=\"1\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("latency_seconds_bucket{m=\"Get\",le=\"+Inf\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("latency_seconds_sum{m=\"Get\"} 7.65\n"));
  EXPECT_THAT(text, HasSubstr("latency_seconds_count{m=\"Get\"} 4\n"));
}

TEST(MetricsRegistryTest, RegisteringTheSameFamilyTwiceReturnsIt) {
  MetricsRegistry registry;
  Counter& a = registry.AddCounter("c_total", "C.");
  Counter& b = registry.AddCounter("c_total", "C.");
  EXPECT_EQ(&a, &b);
  a.Increment();
  EXPECT_EQ(b.Value(), 1);
}

TEST(MetricsRegistryDeathTest, RegisteringANameWithAnotherTypeAborts) {
  MetricsRegistry registry;
  registry.AddCounter("x_total", "X.");
  EXPECT_DEATH(registry.AddGauge("x_total", "X."), "another type");
}

TEST(MetricsRegistryTest, CallbacksAreReadAtRenderTime) {
  MetricsRegistry registry;
  double value = 1;
  registry.AddCallback("queue_length", "Q.", MetricType::kGauge, [&] { return value; });
  EXPECT_THAT(registry.Render(), HasSubstr("queue_length 1\n"));
  value = 42;
  EXPECT_THAT(registry.Render(), HasSubstr("queue_length 42\n"));
}

TEST(MetricsRegistryTest, ConcurrentIncrementsAreAllCounted) {
  MetricsRegistry registry;
  auto& family = registry.AddCounterFamily("n_total", "N.", {"t"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&family, t] {
      for (int i = 0; i < 10000; ++i) family.WithLabels({t % 2 == 0 ? "even" : "odd"}).Increment();
    });
  }
  for (auto& thread : threads) thread.join();
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("n_total{t=\"even\"} 20000\n"));
  EXPECT_THAT(text, HasSubstr("n_total{t=\"odd\"} 20000\n"));
}

TEST(ProcessMetricsTest, ReportsPlausibleProcessFigures) {
  MetricsRegistry registry;
  RegisterProcessMetrics(registry);
  const std::string text = registry.Render();
  for (const char* name : {"process_resident_memory_bytes", "process_virtual_memory_bytes",
                           "process_cpu_seconds_total", "process_open_fds", "process_max_fds",
                           "process_start_time_seconds"}) {
    EXPECT_THAT(text, HasSubstr(absl::StrCat("\n", name, " "))) << name;
  }
  EXPECT_THAT(text, Not(HasSubstr("process_resident_memory_bytes 0\n")));
  EXPECT_THAT(text, Not(HasSubstr("process_open_fds 0\n")));
  // Started after the Unix epoch plus 2020, and not in the future.
  const size_t at = text.find("\nprocess_start_time_seconds ") + 28;
  const double start = std::stod(text.substr(at));
  EXPECT_GT(start, 1.5e9);
  EXPECT_LE(start, absl::ToUnixSeconds(absl::Now()) + 1);
}

TEST(MetricsHttpServerTest, ServesMetricsAndHealthz) {
  auto registry = std::make_shared<MetricsRegistry>();
  registry->AddCounter("served_total", "Served.").Increment(7);
  ASSERT_OK_AND_ASSIGN(auto server, MetricsHttpServer::Start("127.0.0.1:0", registry));
  ASSERT_GT(server->port(), 0);
  httplib::Client client("127.0.0.1", server->port());
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_THAT(metrics->get_header_value("Content-Type"), HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(metrics->body, HasSubstr("served_total 7\n"));
  auto healthz = client.Get("/healthz");
  ASSERT_TRUE(healthz);
  EXPECT_EQ(healthz->status, 200);
  EXPECT_EQ(healthz->body, "ok\n");
  EXPECT_EQ(client.Get("/nope")->status, 404);
}

TEST(MetricsHttpServerTest, StopsServingAfterStop) {
  ASSERT_OK_AND_ASSIGN(
      auto server, MetricsHttpServer::Start("127.0.0.1:0", std::make_shared<MetricsRegistry>()));
  const int port = server->port();
  server->Stop();
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2);
  EXPECT_FALSE(client.Get("/healthz"));
}

TEST(MetricsHttpServerTest, RefusesAnAddressInUse) {
  ASSERT_OK_AND_ASSIGN(
      auto first, MetricsHttpServer::Start("127.0.0.1:0", std::make_shared<MetricsRegistry>()));
  EXPECT_FALSE(MetricsHttpServer::Start(absl::StrCat("127.0.0.1:", first->port()),
                                        std::make_shared<MetricsRegistry>())
                   .ok());
}

TEST(MetricsHttpServerTest, RefusesAnAddressWithoutAUsablePort) {
  EXPECT_THAT(MetricsHttpServer::Start("127.0.0.1", std::make_shared<MetricsRegistry>()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--metrics_address")));
  EXPECT_THAT(
      MetricsHttpServer::Start("127.0.0.1:70000", std::make_shared<MetricsRegistry>()).status(),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace salesteam::server
