// UTF-8 validation shared by the two text formats the server writes from
// client-controlled bytes (method paths, status messages): the JSON call log
// and the Prometheus exposition. Both must stay valid UTF-8 whatever a client
// sends, so each replaces invalid bytes with U+FFFD using this one check.
#ifndef SALESTEAM_COMMON_SERVER_INTERNAL_UTF8_H_
#define SALESTEAM_COMMON_SERVER_INTERNAL_UTF8_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace salesteam::server::internal {

// Length (1-4) of the valid UTF-8 sequence starting at s[i], or 0 when the
// bytes there are not valid UTF-8 (overlong forms, surrogates, code points
// above U+10FFFF and truncated sequences included). Requires i < s.size().
size_t Utf8SequenceLength(absl::string_view s, size_t i);

// U+FFFD REPLACEMENT CHARACTER, encoded.
inline constexpr char kReplacementCharacter[] = "\xEF\xBF\xBD";

}  // namespace salesteam::server::internal

#endif  // SALESTEAM_COMMON_SERVER_INTERNAL_UTF8_H_
