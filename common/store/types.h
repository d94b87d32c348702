// The values that cross the database interface: Param (a borrowed, typed
// statement parameter that costs nothing to build, so that batch inserts do not
// allocate per row), Value (an owned cell of a result), and ResultSet/Row (the
// rows a statement returned, read through typed getters that fail with
// INTERNAL when the column holds another type or NULL, because that is a bug in
// the caller's SQL or schema, never something to retry).
//
// The five types are the ones both backends store the same way: NULL, 64-bit
// integer (BIGINT), double (DOUBLE PRECISION / REAL), text (TEXT, UTF-8) and
// bytes (BYTEA on PostgreSQL, BLOB on SQLite).
#ifndef SALESTEAM_COMMON_STORE_TYPES_H_
#define SALESTEAM_COMMON_STORE_TYPES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace salesteam::store {

enum class ValueType : uint8_t { kNull, kInt64, kDouble, kText, kBytes };

// "NULL", "INT64", "DOUBLE", "TEXT" or "BYTES", for messages.
absl::string_view ValueTypeName(ValueType type);

// A byte string that binds as BYTEA/BLOB rather than TEXT. Borrowed: the bytes
// must outlive the statement call.
struct BytesView {
  absl::string_view data;
};

// A statement parameter. It borrows text and bytes (the caller's strings must
// outlive the call that binds them), so building a span of Params for 1,000
// rows allocates nothing beyond the span itself.
//
// Each C++ type maps to one ValueType, the same on both backends:
//   - signed integers and unsigned ones narrower than 64 bits: INT64;
//   - bool: INT64 0 or 1 (booleans are BIGINT columns, see database.h);
//   - float, double: DOUBLE (never any other type converted to double);
//   - const std::string&, absl::string_view, const char*: TEXT;
//   - BytesView / Param::Bytes: BYTES; std::optional<T>: T's type or NULL.
// Two kinds of argument do not compile, on purpose:
//   - uint64_t / size_t: values above INT64_MAX have no BIGINT, and a silent
//     wrap would store a negative number; cast where the range is known
//     (e.g. static_cast<int64_t>(page_size) after validating it);
//   - temporaries that own their text (std::string&&, std::optional<
//     std::string>&&, also for Param::Bytes): they die at the end of the
//     full expression, so a Param kept past it would dangle, as in
//     `std::vector<Param> p{std::string("x")}`. Name the string first.
class Param {
 public:
  Param() = default;  // NULL
  Param(std::nullptr_t) {}
  Param(std::nullopt_t) {}
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool> &&
                                             (std::is_signed_v<T> || sizeof(T) < sizeof(int64_t)),
                                         int> = 0>
  Param(T value) : type_(ValueType::kInt64), int_(static_cast<int64_t>(value)) {}
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool> &&
                                             std::is_unsigned_v<T> && sizeof(T) >= sizeof(int64_t),
                                         int> = 0>
  Param(T value) = delete;  // see the class comment
  template <typename T, std::enable_if_t<std::is_same_v<T, bool>, int> = 0>
  Param(T value) : type_(ValueType::kInt64), int_(value ? 1 : 0) {}
  template <typename T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  Param(T value) : type_(ValueType::kDouble), double_(static_cast<double>(value)) {}
  Param(absl::string_view text) : type_(ValueType::kText), data_(text.data()), size_(text.size()) {}
  Param(const std::string& text) : Param(absl::string_view(text)) {}
  Param(std::string&& text) = delete;  // would dangle: see the class comment
  Param(const char* text) : Param(absl::string_view(text)) {}
  Param(BytesView bytes)
      : type_(ValueType::kBytes), data_(bytes.data.data()), size_(bytes.data.size()) {}
  template <typename T, std::enable_if_t<std::is_constructible_v<Param, const T&>, int> = 0>
  Param(const std::optional<T>& value) : Param() {
    if (value.has_value()) *this = Param(*value);
  }
  Param(std::optional<std::string>&& text) = delete;  // would dangle

  static Param Bytes(absl::string_view bytes) { return Param(BytesView{bytes}); }
  template <typename T, std::enable_if_t<std::is_same_v<T, std::string>, int> = 0>
  static Param Bytes(T&& bytes) = delete;  // a temporary string would dangle

  ValueType type() const { return type_; }
  bool is_null() const { return type_ == ValueType::kNull; }
  int64_t int64() const { return int_; }
  double dbl() const { return double_; }
  // Text or bytes. Never a null pointer, so that drivers that treat a null
  // pointer as SQL NULL bind an empty string as an empty string.
  const char* data() const { return data_ != nullptr ? data_ : ""; }
  size_t size() const { return size_; }
  absl::string_view view() const { return absl::string_view(data(), size_); }

 private:
  ValueType type_ = ValueType::kNull;
  int64_t int_ = 0;
  double double_ = 0;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

// One owned cell of a result.
class Value {
 public:
  Value() = default;  // NULL
  static Value Int64(int64_t v);
  static Value Double(double v);
  static Value Text(std::string v);
  static Value Bytes(std::string v);

  ValueType type() const { return type_; }
  bool is_null() const { return type_ == ValueType::kNull; }
  // Unchecked accessors; Row's getters check the type first.
  int64_t int64() const { return int_; }
  double dbl() const { return double_; }
  const std::string& str() const { return str_; }

  std::string DebugString() const;
  friend bool operator==(const Value& a, const Value& b);

 private:
  ValueType type_ = ValueType::kNull;
  int64_t int_ = 0;
  double double_ = 0;
  std::string str_;
};

class ResultSet;

// A view of one row of a ResultSet; valid while the ResultSet lives.
// Columns are addressed by index (0-based) or by result column name.
class Row {
 public:
  Row(const ResultSet* set, size_t index) : set_(set), index_(index) {}

  size_t size() const;
  const Value& value(size_t column) const;
  bool IsNull(size_t column) const { return value(column).is_null(); }

  absl::StatusOr<int64_t> Int64(size_t column) const;
  absl::StatusOr<double> Double(size_t column) const;
  absl::StatusOr<std::string> Text(size_t column) const;
  absl::StatusOr<std::string> Bytes(size_t column) const;
  // NULL reads as std::nullopt; any other type than the asked one is an error.
  absl::StatusOr<std::optional<int64_t>> OptionalInt64(size_t column) const;
  absl::StatusOr<std::optional<double>> OptionalDouble(size_t column) const;
  absl::StatusOr<std::optional<std::string>> OptionalText(size_t column) const;
  absl::StatusOr<std::optional<std::string>> OptionalBytes(size_t column) const;

  absl::StatusOr<int64_t> Int64(absl::string_view column) const;
  absl::StatusOr<double> Double(absl::string_view column) const;
  absl::StatusOr<std::string> Text(absl::string_view column) const;
  absl::StatusOr<std::string> Bytes(absl::string_view column) const;
  absl::StatusOr<std::optional<int64_t>> OptionalInt64(absl::string_view column) const;
  absl::StatusOr<std::optional<double>> OptionalDouble(absl::string_view column) const;
  absl::StatusOr<std::optional<std::string>> OptionalText(absl::string_view column) const;
  absl::StatusOr<std::optional<std::string>> OptionalBytes(absl::string_view column) const;

 private:
  // The cell at `column` if it exists and has type `want` (or is NULL and
  // `null_ok`); otherwise INTERNAL naming the column and both types.
  absl::StatusOr<const Value*> Cell(size_t column, ValueType want, bool null_ok) const;
  absl::StatusOr<size_t> Index(absl::string_view column) const;

  const ResultSet* set_;
  size_t index_;
};

// The rows a statement returned (empty for statements without RETURNING),
// plus how many rows it changed.
class ResultSet {
 public:
  ResultSet() = default;
  explicit ResultSet(std::vector<std::string> columns) : columns_(std::move(columns)) {}

  const std::vector<std::string>& columns() const { return columns_; }
  size_t size() const { return columns_.empty() ? 0 : cells_.size() / columns_.size(); }
  bool empty() const { return size() == 0; }
  Row row(size_t i) const { return Row(this, i); }
  Row front() const { return Row(this, 0); }

  // Rows inserted, updated or deleted by the statement.
  int64_t rows_affected() const { return rows_affected_; }
  void set_rows_affected(int64_t n) { rows_affected_ = n; }

  // Drivers append cells row by row, columns().size() per row.
  void AddCell(Value value) { cells_.push_back(std::move(value)); }
  const Value& cell(size_t row, size_t column) const {
    return cells_[row * columns_.size() + column];
  }

  class Iterator {
   public:
    Iterator(const ResultSet* set, size_t i) : set_(set), i_(i) {}
    Row operator*() const { return Row(set_, i_); }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator!=(const Iterator& other) const { return i_ != other.i_; }

   private:
    const ResultSet* set_;
    size_t i_;
  };
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, size()); }

 private:
  std::vector<std::string> columns_;
  std::vector<Value> cells_;
  int64_t rows_affected_ = 0;
};

}  // namespace salesteam::store

#endif  // SALESTEAM_COMMON_STORE_TYPES_H_
