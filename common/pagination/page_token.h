// Page tokens for every List RPC (page_size / page_token, DESIGN.md section
// 3). A token carries where the next page resumes (the cursor: the last key
// of the page) and is signed with HMAC-SHA256 over the listing it belongs to
// (its scope: the RPC and its filters), so a client cannot forge a cursor,
// edit one, or replay one on another listing or with other filters: each of
// those is INVALID_ARGUMENT naming the field. Tokens do not expire; they are
// opaque to clients but not secret (the cursor is readable base64).
#ifndef SALESTEAM_COMMON_PAGINATION_PAGE_TOKEN_H_
#define SALESTEAM_COMMON_PAGINATION_PAGE_TOKEN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace google::protobuf {
class Message;
}  // namespace google::protobuf

namespace salesteam::pagination {

// The scope every List RPC signs its tokens with: the request's message type,
// the caller, and the request itself with its `page_size` and `page_token`
// cleared (serialized deterministically). Every filter a request carries is
// part of the scope by construction, so a token replayed with another filter,
// by another caller or on another listing is refused, and a filter added to
// the request later cannot be left out. Values the server fills in for an
// absent field (today's date for an unset as_of) are not in the request, so
// they belong in the cursor when every page must answer for the same value.
std::string ListScope(const google::protobuf::Message& request, absl::string_view caller);

// The page size a List RPC uses: `requested` when 1..max_size, default_size
// for 0, INVALID_ARGUMENT naming `field` for negative values or more than
// max_size.
absl::StatusOr<int> ResolvePageSize(int requested, int default_size, int max_size,
                                    absl::string_view field = "page_size");

class PageTokenCodec {
 public:
  // `secret` (any length; every replica must share it) is turned into the
  // signing key with HMAC, so the same secret may serve another purpose too.
  explicit PageTokenCodec(absl::string_view secret);

  // A token resuming after `cursor` (one or more key parts) in `scope`.
  std::string Encode(absl::string_view scope, absl::Span<const std::string> cursor) const;

  // The cursor of a token made by Encode for the same scope: INVALID_ARGUMENT
  // "<field>: invalid page token ..." for anything else (malformed, tampered,
  // another scope). `expected_parts` is how many key parts the cursor has.
  absl::StatusOr<std::vector<std::string>> Decode(absl::string_view token, absl::string_view scope,
                                                  int expected_parts,
                                                  absl::string_view field = "page_token") const;

 private:
  std::string Sign(absl::string_view scope, absl::string_view payload) const;

  std::string key_;
};

}  // namespace salesteam::pagination

#endif  // SALESTEAM_COMMON_PAGINATION_PAGE_TOKEN_H_
