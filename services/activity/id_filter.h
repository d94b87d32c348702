// A Bloom filter of activity id fingerprints: tells the SQLite ingest path
// which new ids cannot have been recorded before, so that only the few it
// cannot rule out (repeats, and about one new id in a hundred) are looked up
// in the idempotency index. Without it every new id costs a point lookup at a
// random place of an index that grows with every activity ever recorded,
// which made ingest slow down as the table grew.
//
// Blocked: each id sets bits in one 512-bit block (one cache line), so a
// lookup touches one line however large the filter. No false negatives: an
// added id is always reported as possibly present.
#ifndef SALESTEAM_SERVICES_ACTIVITY_ID_FILTER_H_
#define SALESTEAM_SERVICES_ACTIVITY_ID_FILTER_H_

#include <cstdint>
#include <vector>

namespace salesteam::activity {

class IdFilter {
 public:
  // Sized for `capacity` ids at 10 bits each (about 1% false positives when
  // full, fewer before); never smaller than 1,024 ids.
  explicit IdFilter(int64_t capacity);

  void Add(int64_t id_hash);
  bool MayContain(int64_t id_hash) const;

  // Ids added (with repeats), and how many it was sized for: past that, the
  // false-positive rate climbs and the owner should build a larger one.
  int64_t size() const { return size_; }
  int64_t capacity() const { return capacity_; }
  int64_t memory_bytes() const { return static_cast<int64_t>(words_.size() * sizeof(uint64_t)); }

 private:
  static constexpr int kWordsPerBlock = 8;  // 512 bits

  // The index in words_ of the first word of the block `mixed` falls in.
  uint64_t FirstWordOf(uint64_t mixed) const;

  int64_t capacity_;
  uint64_t blocks_;
  std::vector<uint64_t> words_;
  int64_t size_ = 0;
};

}  // namespace salesteam::activity

#endif  // SALESTEAM_SERVICES_ACTIVITY_ID_FILTER_H_
