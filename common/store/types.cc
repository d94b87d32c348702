#include "common/store/types.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace salesteam::store {

absl::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kNull:
      return "NULL";
    case ValueType::kInt64:
      return "INT64";
    case ValueType::kDouble:
      return "DOUBLE";
    case ValueType::kText:
      return "TEXT";
    case ValueType::kBytes:
      return "BYTES";
  }
  return "UNKNOWN";
}

Value Value::Int64(int64_t v) {
  Value value;
  value.type_ = ValueType::kInt64;
  value.int_ = v;
  return value;
}

Value Value::Double(double v) {
  Value value;
  value.type_ = ValueType::kDouble;
  value.double_ = v;
  return value;
}

Value Value::Text(std::string v) {
  Value value;
  value.type_ = ValueType::kText;
  value.str_ = std::move(v);
  return value;
}

Value Value::Bytes(std::string v) {
  Value value;
  value.type_ = ValueType::kBytes;
  value.str_ = std::move(v);
  return value;
}

std::string Value::DebugString() const {
  switch (type_) {
    case ValueType::kNull:
      return "NULL";
    case ValueType::kInt64:
      return absl::StrCat(int_);
    case ValueType::kDouble:
      return absl::StrCat(double_);
    case ValueType::kText:
      return absl::StrCat("'", absl::CEscape(str_), "'");
    case ValueType::kBytes:
      return absl::StrCat("x'", absl::BytesToHexString(str_), "'");
  }
  return "?";
}

bool operator==(const Value& a, const Value& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case ValueType::kNull:
      return true;
    case ValueType::kInt64:
      return a.int_ == b.int_;
    case ValueType::kDouble:
      return a.double_ == b.double_;
    case ValueType::kText:
    case ValueType::kBytes:
      return a.str_ == b.str_;
  }
  return false;
}

size_t Row::size() const { return set_->columns().size(); }

const Value& Row::value(size_t column) const { return set_->cell(index_, column); }

absl::StatusOr<const Value*> Row::Cell(size_t column, ValueType want, bool null_ok) const {
  if (index_ >= set_->size()) {
    return absl::InternalError(
        absl::StrCat("row ", index_, " out of range (", set_->size(), " rows)"));
  }
  if (column >= size()) {
    return absl::InternalError(
        absl::StrCat("column ", column, " out of range (", size(), " columns)"));
  }
  const Value& v = value(column);
  if (v.type() == want || (null_ok && v.is_null())) return &v;
  return absl::InternalError(absl::StrCat("column ", column, " (", set_->columns()[column], ") is ",
                                          ValueTypeName(v.type()), ", not ", ValueTypeName(want)));
}

absl::StatusOr<size_t> Row::Index(absl::string_view column) const {
  const std::vector<std::string>& names = set_->columns();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == column) return i;
  }
  return absl::InternalError(absl::StrCat("result has no column named ", column));
}

absl::StatusOr<int64_t> Row::Int64(size_t column) const {
  auto cell = Cell(column, ValueType::kInt64, false);
  if (!cell.ok()) return cell.status();
  return (*cell)->int64();
}

absl::StatusOr<double> Row::Double(size_t column) const {
  auto cell = Cell(column, ValueType::kDouble, false);
  if (!cell.ok()) return cell.status();
  return (*cell)->dbl();
}

absl::StatusOr<std::string> Row::Text(size_t column) const {
  auto cell = Cell(column, ValueType::kText, false);
  if (!cell.ok()) return cell.status();
  return (*cell)->str();
}

absl::StatusOr<std::string> Row::Bytes(size_t column) const {
  auto cell = Cell(column, ValueType::kBytes, false);
  if (!cell.ok()) return cell.status();
  return (*cell)->str();
}

absl::StatusOr<std::optional<int64_t>> Row::OptionalInt64(size_t column) const {
  auto cell = Cell(column, ValueType::kInt64, true);
  if (!cell.ok()) return cell.status();
  if ((*cell)->is_null()) return std::optional<int64_t>();
  return std::optional<int64_t>((*cell)->int64());
}

absl::StatusOr<std::optional<double>> Row::OptionalDouble(size_t column) const {
  auto cell = Cell(column, ValueType::kDouble, true);
  if (!cell.ok()) return cell.status();
  if ((*cell)->is_null()) return std::optional<double>();
  return std::optional<double>((*cell)->dbl());
}

absl::StatusOr<std::optional<std::string>> Row::OptionalText(size_t column) const {
  auto cell = Cell(column, ValueType::kText, true);
  if (!cell.ok()) return cell.status();
  if ((*cell)->is_null()) return std::optional<std::string>();
  return std::optional<std::string>((*cell)->str());
}

absl::StatusOr<std::optional<std::string>> Row::OptionalBytes(size_t column) const {
  auto cell = Cell(column, ValueType::kBytes, true);
  if (!cell.ok()) return cell.status();
  if ((*cell)->is_null()) return std::optional<std::string>();
  return std::optional<std::string>((*cell)->str());
}

#define SALESTEAM_STORE_BY_NAME_(Type, Getter)                       \
  absl::StatusOr<Type> Row::Getter(absl::string_view column) const { \
    auto index = Index(column);                                      \
    if (!index.ok()) return index.status();                          \
    return Getter(*index);                                           \
  }

SALESTEAM_STORE_BY_NAME_(int64_t, Int64)
SALESTEAM_STORE_BY_NAME_(double, Double)
SALESTEAM_STORE_BY_NAME_(std::string, Text)
SALESTEAM_STORE_BY_NAME_(std::string, Bytes)
SALESTEAM_STORE_BY_NAME_(std::optional<int64_t>, OptionalInt64)
SALESTEAM_STORE_BY_NAME_(std::optional<double>, OptionalDouble)
SALESTEAM_STORE_BY_NAME_(std::optional<std::string>, OptionalText)
SALESTEAM_STORE_BY_NAME_(std::optional<std::string>, OptionalBytes)

#undef SALESTEAM_STORE_BY_NAME_

}  // namespace salesteam::store
