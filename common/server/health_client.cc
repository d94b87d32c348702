#include "common/server/health_client.h"

#include <future>
#include <string>
#include <utility>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"

#include "common/status.h"

namespace salesteam::server {
namespace {

using google::protobuf::internal::WireFormatLite;

constexpr char kCheckMethod[] = "/grpc.health.v1.Health/Check";
// HealthCheckRequest.service and HealthCheckResponse.status are both field 1.
constexpr int kField = 1;

}  // namespace

absl::string_view ServingStatusName(ServingStatus status) {
  switch (status) {
    case ServingStatus::kUnknown:
      return "UNKNOWN";
    case ServingStatus::kServing:
      return "SERVING";
    case ServingStatus::kNotServing:
      return "NOT_SERVING";
    case ServingStatus::kServiceUnknown:
      return "SERVICE_UNKNOWN";
  }
  return "UNKNOWN";
}

std::string EncodeHealthCheckRequest(absl::string_view service) {
  std::string bytes;
  if (service.empty()) return bytes;  // proto3 leaves default values off the wire
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream out(&stream);
  out.WriteTag(WireFormatLite::MakeTag(kField, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
  out.WriteVarint32(static_cast<uint32_t>(service.size()));
  out.WriteRaw(service.data(), static_cast<int>(service.size()));
  out.Trim();
  return bytes;
}

absl::StatusOr<ServingStatus> DecodeHealthCheckResponse(absl::string_view bytes) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  uint64_t status = 0;  // absent means UNKNOWN, the enum's zero
  while (uint32_t tag = in.ReadTag()) {
    if (WireFormatLite::GetTagFieldNumber(tag) == kField &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_VARINT) {
      if (!in.ReadVarint64(&status)) {
        return absl::DataLossError("truncated HealthCheckResponse.status");
      }
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return absl::DataLossError("malformed HealthCheckResponse");
    }
  }
  if (!in.ConsumedEntireMessage()) return absl::DataLossError("malformed HealthCheckResponse");
  // A newer server may send a status this client does not know yet.
  if (status > static_cast<uint64_t>(ServingStatus::kServiceUnknown)) {
    return ServingStatus::kUnknown;
  }
  return static_cast<ServingStatus>(status);
}

absl::StatusOr<ServingStatus> CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                          absl::string_view service, absl::Duration timeout) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  const std::string encoded = EncodeHealthCheckRequest(service);
  grpc::Slice slice(encoded);
  const grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, kCheckMethod, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  const grpc::Status status = done.get_future().get();
  if (!status.ok()) return FromGrpcStatus(status);
  // An all-default response (status UNKNOWN) is zero bytes on the wire.
  if (!response.Valid() || response.Length() == 0) return DecodeHealthCheckResponse("");
  grpc::Slice single;
  if (!response.DumpToSingleSlice(&single).ok()) {
    return absl::DataLossError("unreadable HealthCheckResponse");
  }
  return DecodeHealthCheckResponse(
      absl::string_view(reinterpret_cast<const char*>(single.begin()), single.size()));
}

}  // namespace salesteam::server
