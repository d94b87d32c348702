// Which fields an Update RPC changes, per AIP-134: the paths of its
// update_mask when given; when the mask is omitted (empty), the fields the
// client populated in the patch, so that a client built before a field
// existed never clears it by not sending it; "*" alone replaces every
// updatable field, populated or not. Clearing a field therefore needs it
// named in the mask.
//
// "Populated" is proto3's presence: a scalar or enum that is not its zero
// value, a message field that is set, a repeated field with an element.
#ifndef SALESTEAM_COMMON_UPDATE_MASK_H_
#define SALESTEAM_COMMON_UPDATE_MASK_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"

namespace salesteam {

// The paths to apply, in the order of `updatable` for an omitted mask or "*",
// and in the mask's order otherwise. Each updatable path must name a
// top-level field of `patch` (a programming error otherwise: INTERNAL).
// INVALID_ARGUMENT naming update_mask.paths[i] for a path that is not
// updatable (`why_not` is appended to that message, e.g. "; team and role
// change with MoveMember"), a repeated path, or "*" beside other paths.
absl::StatusOr<std::vector<std::string>> UpdatePaths(const google::protobuf::FieldMask& mask,
                                                     const google::protobuf::Message& patch,
                                                     absl::Span<const absl::string_view> updatable,
                                                     absl::string_view why_not = "");

}  // namespace salesteam

#endif  // SALESTEAM_COMMON_UPDATE_MASK_H_
