#include "common/pagination/page_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/message.h"
#include "google/protobuf/reflection.h"

namespace salesteam::pagination {
namespace {

// Tokens start with this, so that a future format can be told apart.
constexpr absl::string_view kVersion = "1";
// Bytes of the HMAC kept in a token: 128 bits is beyond guessing.
constexpr size_t kMacBytes = 16;

std::string Hmac(absl::string_view key, absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &out_len);
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": invalid page token (", why,
                   "); pass the next_page_token of the previous page of the same listing"));
}

}  // namespace

std::string ListScope(const google::protobuf::Message& request, absl::string_view caller) {
  std::unique_ptr<google::protobuf::Message> filters(request.New());
  filters->CopyFrom(request);
  const google::protobuf::Descriptor* descriptor = filters->GetDescriptor();
  for (const char* name : {"page_size", "page_token"}) {
    if (const google::protobuf::FieldDescriptor* field = descriptor->FindFieldByName(name)) {
      filters->GetReflection()->ClearField(filters.get(), field);
    }
  }
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    filters->SerializePartialToCodedStream(&coded);
  }
  // Length-prefixed parts, so that no part's bytes can pose as another's.
  return absl::StrCat(descriptor->full_name().size(), ":", descriptor->full_name(), caller.size(),
                      ":", caller, bytes);
}

absl::StatusOr<int> ResolvePageSize(int requested, int default_size, int max_size,
                                    absl::string_view field) {
  if (requested == 0) return default_size;
  if (requested < 0 || requested > max_size) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must be 1..", max_size, ", or 0 for ",
                                                   default_size, " (got ", requested, ")"));
  }
  return requested;
}

PageTokenCodec::PageTokenCodec(absl::string_view secret)
    : key_(Hmac(secret, "salesteam/page-token/v1")) {}

std::string PageTokenCodec::Sign(absl::string_view scope, absl::string_view payload) const {
  // Length-prefix the scope so that no (scope, payload) pair collides with another.
  return Hmac(key_, absl::StrCat(scope.size(), ":", scope, payload)).substr(0, kMacBytes);
}

std::string PageTokenCodec::Encode(absl::string_view scope,
                                   absl::Span<const std::string> cursor) const {
  std::string payload;
  for (const std::string& part : cursor) absl::StrAppend(&payload, part.size(), ":", part);
  return absl::StrCat(kVersion, ".", absl::WebSafeBase64Escape(payload), ".",
                      absl::WebSafeBase64Escape(Sign(scope, payload)));
}

absl::StatusOr<std::vector<std::string>> PageTokenCodec::Decode(absl::string_view token,
                                                                absl::string_view scope,
                                                                int expected_parts,
                                                                absl::string_view field) const {
  if (token.size() > 4096) return Invalid(field, "too long");
  std::vector<absl::string_view> pieces = absl::StrSplit(token, '.');
  if (pieces.size() != 3 || pieces[0] != kVersion) return Invalid(field, "malformed");
  std::string payload;
  std::string mac;
  if (!absl::WebSafeBase64Unescape(pieces[1], &payload) ||
      !absl::WebSafeBase64Unescape(pieces[2], &mac) ||
      absl::WebSafeBase64Escape(payload) != pieces[1] ||
      absl::WebSafeBase64Escape(mac) != pieces[2]) {
    return Invalid(field, "malformed");
  }
  const std::string expected = Sign(scope, payload);
  if (mac.size() != expected.size() ||
      CRYPTO_memcmp(mac.data(), expected.data(), expected.size()) != 0) {
    return Invalid(field, "it was altered, or belongs to another listing or other filters");
  }
  // Signed by us for this scope: the payload is well-formed unless the key leaked.
  std::vector<std::string> parts;
  absl::string_view rest = payload;
  while (!rest.empty()) {
    const size_t colon = rest.find(':');
    uint64_t length = 0;
    if (colon == absl::string_view::npos || !absl::SimpleAtoi(rest.substr(0, colon), &length) ||
        length > rest.size() - colon - 1) {
      return Invalid(field, "malformed cursor");
    }
    parts.emplace_back(rest.substr(colon + 1, length));
    rest.remove_prefix(colon + 1 + length);
  }
  if (static_cast<int>(parts.size()) != expected_parts) return Invalid(field, "malformed cursor");
  return parts;
}

}  // namespace salesteam::pagination
