#include "services/activity/internal/statements.h"

namespace salesteam::activity::internal {
namespace {

// Largest first: few sizes keep each connection's prepared-statement cache
// small, large ones keep the round trips few.
constexpr int kChunkSizes[] = {256, 64, 16, 4, 1};

}  // namespace

int ChunkAt(int remaining) {
  for (int size : kChunkSizes) {
    if (size <= remaining) return size;
  }
  return 1;
}

std::string ValuesList(int rows, int columns) {
  std::string sql;
  int n = 1;
  for (int r = 0; r < rows; ++r) {
    absl::StrAppend(&sql, r == 0 ? "(" : ", (");
    for (int c = 0; c < columns; ++c) absl::StrAppend(&sql, c == 0 ? "$" : ", $", n++);
    absl::StrAppend(&sql, ")");
  }
  return sql;
}

std::string ParamList(int n) {
  std::string sql;
  for (int i = 1; i <= n; ++i) absl::StrAppend(&sql, i == 1 ? "$" : ", $", i);
  return sql;
}

}  // namespace salesteam::activity::internal
