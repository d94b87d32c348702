#include "common/store/storage_state.h"

#include <atomic>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace salesteam::store {
namespace {

// Read on every commit, so an atomic: the mutex is taken only on a change.
std::atomic<bool> g_exhausted{false};

absl::Mutex& ListenerMutex() {
  static absl::Mutex* mu = new absl::Mutex();
  return *mu;
}
StorageListener& Listener() ABSL_EXCLUSIVE_LOCKS_REQUIRED(ListenerMutex()) {
  static StorageListener* listener = new StorageListener();
  return *listener;
}

void Change(bool exhausted, absl::string_view detail) {
  absl::MutexLock lock(&ListenerMutex());
  // Only the first of many failing writes (or commits) reports the change.
  if (g_exhausted.exchange(exhausted) == exhausted) return;
  if (Listener()) Listener()(exhausted, detail);
}

}  // namespace

void SetStorageListener(StorageListener listener) {
  absl::MutexLock lock(&ListenerMutex());
  Listener() = std::move(listener);
}

void NoteStorageExhausted(absl::string_view detail) { Change(true, detail); }

void NoteStorageWritable() {
  if (g_exhausted.load(std::memory_order_relaxed)) Change(false, "");
}

bool StorageExhausted() { return g_exhausted.load(); }

}  // namespace salesteam::store
