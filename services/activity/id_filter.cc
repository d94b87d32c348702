#include "services/activity/id_filter.h"

#include <algorithm>

namespace salesteam::activity {
namespace {

constexpr int kBitsPerId = 10;
constexpr int kProbes = 7;  // bits set per id, 9 bits of position each
constexpr int64_t kMinCapacity = 1024;

// SplitMix64's finalizer: fingerprints are SHA-256 bits already, but tests
// and callers may pass small or patterned values.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

IdFilter::IdFilter(int64_t capacity) : capacity_(std::max(capacity, kMinCapacity)) {
  const int64_t bits = capacity_ * kBitsPerId;
  blocks_ = static_cast<uint64_t>((bits + 511) / 512);
  words_.assign(blocks_ * kWordsPerBlock, 0);
}

uint64_t IdFilter::FirstWordOf(uint64_t mixed) const {
  // Multiply-shift maps the bits onto [0, blocks_) without a division.
  const auto block = static_cast<uint64_t>((static_cast<unsigned __int128>(mixed) * blocks_) >> 64);
  return block * kWordsPerBlock;
}

void IdFilter::Add(int64_t id_hash) {
  const uint64_t mixed = Mix(static_cast<uint64_t>(id_hash));
  uint64_t* block = words_.data() + FirstWordOf(mixed);
  uint64_t positions = Mix(mixed);
  for (int i = 0; i < kProbes; ++i, positions >>= 9) {
    block[(positions >> 6) & 7] |= uint64_t{1} << (positions & 63);
  }
  ++size_;
}

bool IdFilter::MayContain(int64_t id_hash) const {
  const uint64_t mixed = Mix(static_cast<uint64_t>(id_hash));
  const uint64_t* block = words_.data() + FirstWordOf(mixed);
  uint64_t positions = Mix(mixed);
  for (int i = 0; i < kProbes; ++i, positions >>= 9) {
    if ((block[(positions >> 6) & 7] & (uint64_t{1} << (positions & 63))) == 0) return false;
  }
  return true;
}

}  // namespace salesteam::activity
