// kop/base/mutex: the lock and condition variable kop uses everywhere.
//
// Why not absl::Mutex: Debian ships abseil precompiled without ThreadSanitizer, so TSan cannot
// see absl::Mutex's synchronisation and reports false races in every sanitizer build. kop's
// Mutex is a std::mutex (which TSan understands) with abseil's thread-safety annotations, so
// ABSL_GUARDED_BY still documents, and clang still checks, what each lock guards.
//
//   kop::Mutex mu_;                        // guards items_
//   std::deque<int> items_ ABSL_GUARDED_BY(mu_);
//   kop::CondVar ready_;                   // signalled when items_ gains an element
//
//   kop::MutexLock lock(&mu_);
//   while (items_.empty()) ready_.Wait(&mu_);
#ifndef KOP_BASE_MUTEX_H_
#define KOP_BASE_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/base/thread_annotations.h"

namespace kop {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  // For annotation only: tells the analysis the caller holds this lock.
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() {}

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds `mu` for the lifetime of the scope.
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

// A condition variable used with a kop::Mutex. Wake-ups may be spurious: always wait in a
// loop on the condition itself.
class CondVar {
 public:
  // With `mu` held: releases it, waits for a signal, and holds it again on return.
  void Wait(Mutex* mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }

  // As Wait, but returns false once `deadline` (steady clock) has passed without a signal.
  template <typename Duration>
  bool WaitUntil(Mutex* mu,
                 std::chrono::time_point<std::chrono::steady_clock, Duration> deadline) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    const bool signalled = cv_.wait_until(lock, deadline) == std::cv_status::no_timeout;
    lock.release();
    return signalled;
  }

  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace kop

#endif  // KOP_BASE_MUTEX_H_
