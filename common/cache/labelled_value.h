// A cached value with the version of its source it was read at (a label),
// so that a reader that knows a newer version exists can refuse the copy:
// 8 bytes of the label (big-endian), then the value. A label below 2^48
// starts with two NUL bytes, so a labelled value is never taken for a
// CacheAside tombstone (a NUL, then "salesteam-cache-tombstone").
#ifndef SALESTEAM_COMMON_CACHE_LABELLED_VALUE_H_
#define SALESTEAM_COMMON_CACHE_LABELLED_VALUE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace salesteam::cache {

struct LabelledValue {
  int64_t label = 0;
  absl::string_view value;
};

inline std::string Labelled(int64_t label, absl::string_view value) {
  std::string out(8, '\0');
  const auto bits = static_cast<uint64_t>(label);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((bits >> (56 - 8 * i)) & 0xff);
  out.append(value.data(), value.size());
  return out;
}

// nullopt when `stored` is too short to carry a label.
inline std::optional<LabelledValue> Unlabel(absl::string_view stored) {
  if (stored.size() < 8) return std::nullopt;
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<unsigned char>(stored[i]);
  return LabelledValue{static_cast<int64_t>(bits), stored.substr(8)};
}

}  // namespace salesteam::cache

#endif  // SALESTEAM_COMMON_CACHE_LABELLED_VALUE_H_
