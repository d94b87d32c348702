#include "services/activity/id_index.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "services/activity/internal/statements.h"

namespace salesteam::activity {
namespace {

// OpenSSL 3's one-shot SHA256() looks the algorithm up on every call (a
// shared lock and reference counts); this fetches it once and reuses one
// digest context per thread.
const EVP_MD* Sha256() {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

ActivityFingerprint FingerprintOf(absl::string_view activity_id) {
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                           &EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (Sha256() == nullptr || ctx == nullptr || !EVP_DigestInit_ex2(ctx.get(), Sha256(), nullptr) ||
      !EVP_DigestUpdate(ctx.get(), activity_id.data(), activity_id.size()) ||
      !EVP_DigestFinal_ex(ctx.get(), digest, &length)) {
    // Only a broken OpenSSL installation gets here.
    SHA256(reinterpret_cast<const unsigned char*>(activity_id.data()), activity_id.size(), digest);
  }
  ActivityFingerprint fingerprint;
  std::memcpy(&fingerprint.hash, digest, sizeof(fingerprint.hash));
  std::memcpy(&fingerprint.check, digest + sizeof(fingerprint.hash), sizeof(fingerprint.check));
  return fingerprint;
}

int64_t ActivityIdHash(absl::string_view activity_id) { return FingerprintOf(activity_id).hash; }

int64_t ActivityIdCheck(absl::string_view activity_id) { return FingerprintOf(activity_id).check; }

absl::StatusOr<size_t> IdIndex::JudgeRecordedIds(store::Transaction& tx,
                                                 absl::string_view select_head,
                                                 absl::Span<const ActivityFingerprint> ids,
                                                 absl::Span<const size_t> candidates,
                                                 std::vector<RecordOutcome>& outcomes) {
  size_t found = 0;
  for (size_t start = 0; start < candidates.size();) {
    const int n = internal::ChunkAt(static_cast<int>(candidates.size() - start));
    std::vector<store::Param> hashes;
    hashes.reserve(n);
    for (int j = 0; j < n; ++j) hashes.push_back(ids[candidates[start + j]].hash);
    ASSIGN_OR_RETURN(store::ResultSet stored,
                     tx.Query(absl::StrCat(select_head, internal::ParamList(n), ")"), hashes));
    absl::flat_hash_map<int64_t, int64_t> checks;
    for (store::Row row : stored) {
      ASSIGN_OR_RETURN(int64_t hash, row.Int64(0));
      ASSIGN_OR_RETURN(int64_t check, row.Int64(1));
      checks.emplace(hash, check);
    }
    for (int j = 0; j < n; ++j) {
      const size_t k = candidates[start + j];
      auto it = checks.find(ids[k].hash);
      if (it == checks.end()) continue;
      outcomes[k] = VerdictOnRecorded(ids[k], it->second);
      ++found;
    }
    start += n;
  }
  return found;
}

}  // namespace salesteam::activity
