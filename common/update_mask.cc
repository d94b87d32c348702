#include "common/update_mask.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "common/validation.h"
#include "google/protobuf/descriptor.h"

namespace salesteam {
namespace {

using google::protobuf::FieldDescriptor;

absl::StatusOr<bool> IsPopulated(const google::protobuf::Message& patch, absl::string_view path) {
  const FieldDescriptor* field = patch.GetDescriptor()->FindFieldByName(std::string(path));
  if (field == nullptr) {
    return absl::InternalError(absl::StrCat(patch.GetDescriptor()->full_name(),
                                            " has no field named by updatable path \"", path,
                                            "\""));
  }
  const google::protobuf::Reflection* reflection = patch.GetReflection();
  if (field->is_repeated()) return reflection->FieldSize(patch, field) > 0;
  // For proto3 singular fields without explicit presence, HasField is
  // "differs from the zero value"; for messages and optional fields, "set".
  return reflection->HasField(patch, field);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> UpdatePaths(const google::protobuf::FieldMask& mask,
                                                     const google::protobuf::Message& patch,
                                                     absl::Span<const absl::string_view> updatable,
                                                     absl::string_view why_not) {
  const bool replace_all = mask.paths_size() == 1 && mask.paths(0) == "*";
  std::vector<std::string> paths;
  if (mask.paths().empty() || replace_all) {
    for (absl::string_view path : updatable) {
      absl::StatusOr<bool> populated = IsPopulated(patch, path);
      if (!populated.ok()) return populated.status();
      if (replace_all || *populated) paths.emplace_back(path);
    }
    return paths;
  }
  for (int i = 0; i < mask.paths_size(); ++i) {
    const std::string& path = mask.paths(i);
    const std::string field = IndexedField("update_mask.paths", i);
    if (path == "*") {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": \"*\" replaces every field and must be the only path"));
    }
    if (std::find(updatable.begin(), updatable.end(), path) == updatable.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": ", QuoteInput(path),
          " cannot be updated (updatable: ", absl::StrJoin(updatable, ", "), ")", why_not));
    }
    if (std::find(paths.begin(), paths.end(), path) != paths.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", QuoteInput(path), " is named twice"));
    }
    paths.push_back(path);
  }
  return paths;
}

}  // namespace salesteam
