// Quoting of a caller's input inside an error message, shared by the time
// part's validation errors.
#ifndef SALESTEAM_COMMON_TIME_INTERNAL_QUOTE_H_
#define SALESTEAM_COMMON_TIME_INTERNAL_QUOTE_H_

#include <cstddef>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace salesteam::periods::internal {

// `text` in double quotes, C-escaped so that control bytes cannot forge log
// lines, and cut after 24 bytes so that a megabyte of garbage does not become
// a megabyte of error message.
inline std::string Quote(absl::string_view text) {
  constexpr std::size_t kMaxShown = 24;
  if (text.size() > kMaxShown) {
    return absl::StrCat("\"", absl::CHexEscape(text.substr(0, kMaxShown)), "...\"");
  }
  return absl::StrCat("\"", absl::CHexEscape(text), "\"");
}

}  // namespace salesteam::periods::internal

#endif  // SALESTEAM_COMMON_TIME_INTERNAL_QUOTE_H_
