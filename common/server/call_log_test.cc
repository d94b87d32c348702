#include "common/server/call_log.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Json(absl::string_view value) {
  std::string out;
  AppendJsonString(out, value);
  return out;
}

TEST(AppendJsonStringTest, QuotesAndEscapesSpecialCharacters) {
  EXPECT_EQ(Json("plain"), "\"plain\"");
  EXPECT_EQ(Json("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Json("line\nnext\ttab\r"), "\"line\\nnext\\ttab\\r\"");
  EXPECT_EQ(Json(absl::string_view("\x01\x1f\x7f", 3)), "\"\\u0001\\u001f\\u007f\"");
}

TEST(AppendJsonStringTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(Json("Zürich €"), "\"Zürich €\"");
  EXPECT_EQ(Json("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");
  EXPECT_EQ(Json("bad\xff"), "\"bad\\ufffd\"");
  EXPECT_EQ(Json("\xc0\xaf"), "\"\\ufffd\\ufffd\"");             // overlong '/'
  EXPECT_EQ(Json("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // surrogate
  EXPECT_EQ(Json("\xe2\x82"), "\"\\ufffd\\ufffd\"");             // truncated
}

TEST(FormatCallLogLineTest, WritesEveryFieldOnOneLine) {
  CallLogEntry entry;
  entry.method = "/salesteam.testing.v1.EchoService/Echo";
  entry.code = grpc::StatusCode::OK;
  entry.latency = absl::Microseconds(1500);
  entry.principal = "m-42";
  entry.peer = "ipv4:127.0.0.1:5555";
  const std::string line = FormatCallLogLine(entry, absl::FromUnixSeconds(1714555800));
  EXPECT_EQ(line,
            "{\"ts\":\"2024-05-01T09:30:00.000000Z\","
            "\"method\":\"/salesteam.testing.v1.EchoService/Echo\",\"code\":\"OK\","
            "\"latency_ms\":1.500,\"principal\":\"m-42\",\"peer\":\"ipv4:127.0.0.1:5555\"}\n");
}

TEST(FormatCallLogLineTest, AnonymousCallsShowADashAndErrorsTheirMessage) {
  CallLogEntry entry;
  entry.method = "/x.Y/Z";
  entry.code = grpc::StatusCode::UNAUTHENTICATED;
  entry.error = "token \"expired\"";
  const std::string line = FormatCallLogLine(entry, absl::UnixEpoch());
  EXPECT_THAT(line, HasSubstr("\"code\":\"UNAUTHENTICATED\""));
  EXPECT_THAT(line, HasSubstr("\"principal\":\"-\""));
  EXPECT_THAT(line, HasSubstr("\"error\":\"token \\\"expired\\\"\""));
}

TEST(FormatCallLogLineTest, HiddenInternalErrorsCarryTheirRefNextToTheRealMessage) {
  CallLogEntry entry;
  entry.method = "/x.Y/Z";
  entry.code = grpc::StatusCode::INTERNAL;
  entry.error = "pq: connection to db-7 lost";
  entry.error_ref = "1a2b3c4d";
  const std::string line = FormatCallLogLine(entry, absl::UnixEpoch());
  EXPECT_THAT(line, HasSubstr("\"error\":\"pq: connection to db-7 lost\""));
  EXPECT_THAT(line, HasSubstr("\"error_ref\":\"1a2b3c4d\""));
}

TEST(FormatCallLogLineTest, SuccessfulCallsCarryNoErrorField) {
  CallLogEntry entry;
  entry.method = "/x.Y/Z";
  entry.error = "ignored";
  EXPECT_THAT(FormatCallLogLine(entry, absl::UnixEpoch()), Not(HasSubstr("error")));
}

TEST(GrpcCodeNameTest, NamesEveryCanonicalCode) {
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::OK), "OK");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::RESOURCE_EXHAUSTED), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::UNAUTHENTICATED), "UNAUTHENTICATED");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::DATA_LOSS), "DATA_LOSS");
  // 20, not larger: grpc::StatusCode holds only -32..31 (its enumerators run
  // from -1 to 16), and casting a value outside that is undefined (UBSan).
  EXPECT_EQ(GrpcCodeName(static_cast<grpc::StatusCode>(20)), "UNKNOWN");
}

}  // namespace
}  // namespace salesteam::server
