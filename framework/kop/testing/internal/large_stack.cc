#include "kop/testing/internal/large_stack.h"

#include <pthread.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <utility>

namespace kop::testing::internal {
namespace {

// AddressSanitizer and ThreadSanitizer must be told of every switch between stacks; under
// them the work runs on a companion thread instead.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define KOP_LARGE_STACK_COMPANION 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define KOP_LARGE_STACK_COMPANION 1
#endif
#endif

#if defined(KOP_LARGE_STACK_COMPANION)
// A thread with a large stack that runs its owner's work while the owner waits.
class Companion {
 public:
  Companion() {
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0) return;
    pthread_attr_setstacksize(&attr, kLargeStackBytes);
    started_ = pthread_create(&thread_, &attr, &Companion::Main, this) == 0;
    pthread_attr_destroy(&attr);
  }

  ~Companion() {
    if (!started_) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    work_.notify_one();
    pthread_join(thread_, nullptr);
  }

  Companion(const Companion&) = delete;
  Companion& operator=(const Companion&) = delete;

  bool started() const { return started_; }

  void Run(absl::FunctionRef<void()> f) {
    std::exception_ptr error;
    {
      std::unique_lock<std::mutex> lock(mu_);
      task_ = &f;
      error_ = nullptr;
      work_.notify_one();
      done_.wait(lock, [this] { return task_ == nullptr; });
      error = std::exchange(error_, nullptr);
    }
    if (error) std::rethrow_exception(error);
  }

 private:
  static void* Main(void* self) {
    static_cast<Companion*>(self)->Loop();
    return nullptr;
  }

  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      work_.wait(lock, [this] { return stopping_ || task_ != nullptr; });
      if (task_ == nullptr) return;
      absl::FunctionRef<void()>* task = task_;
      lock.unlock();
      std::exception_ptr error;
      try {
        (*task)();
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      error_ = error;
      task_ = nullptr;
      done_.notify_one();
    }
  }

  std::mutex mu_;
  std::condition_variable work_;
  std::condition_variable done_;
  absl::FunctionRef<void()>* task_ = nullptr;
  std::exception_ptr error_;
  bool stopping_ = false;
  bool started_ = false;
  pthread_t thread_{};
};
#endif

#if !defined(KOP_LARGE_STACK_COMPANION)
// A stack of this thread's own, run on with swapcontext.
class Fiber {
 public:
  Fiber() {
    void* p = mmap(nullptr, kLargeStackBytes + kGuard, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) return;
    // The lowest page stays inaccessible: an overflow faults instead of writing elsewhere.
    if (mprotect(p, kGuard, PROT_NONE) != 0) {
      munmap(p, kLargeStackBytes + kGuard);
      return;
    }
    base_ = static_cast<char*>(p);
  }
  ~Fiber() {
    if (base_ != nullptr) munmap(base_, kLargeStackBytes + kGuard);
  }
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  bool ok() const { return base_ != nullptr; }
  bool running() const { return task_ != nullptr; }

  void Run(absl::FunctionRef<void()> f) {
    ucontext_t fiber;
    if (getcontext(&fiber) != 0) {
      f();
      return;
    }
    fiber.uc_stack.ss_sp = base_ + kGuard;
    fiber.uc_stack.ss_size = kLargeStackBytes;
    fiber.uc_link = &caller_;  // where the entry function's return continues
    task_ = &f;
    error_ = nullptr;
    // makecontext passes ints; the fiber finds its work through this thread's Fiber.
    makecontext(&fiber, &Fiber::Entry, 0);
    const int switched = swapcontext(&caller_, &fiber);
    task_ = nullptr;
    if (switched != 0) {
      f();
      return;
    }
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

  static Fiber& Current() {
    thread_local Fiber fiber;
    return fiber;
  }

 private:
  static constexpr size_t kGuard = 4096;

  static void Entry() {
    Fiber& self = Current();
    try {
      (*self.task_)();
    } catch (...) {
      // An exception cannot unwind past this frame (the caller's frames are on another
      // stack): it is carried back and rethrown there.
      self.error_ = std::current_exception();
    }
  }

  char* base_ = nullptr;
  ucontext_t caller_{};
  absl::FunctionRef<void()>* task_ = nullptr;
  std::exception_ptr error_;
};
#endif

}  // namespace

void RunOnLargeStack(absl::FunctionRef<void()> f) {
#if defined(KOP_LARGE_STACK_COMPANION)
  thread_local std::unique_ptr<Companion> companion = std::make_unique<Companion>();
  if (!companion->started()) {
    f();
    return;
  }
  companion->Run(f);
#else
  Fiber& fiber = Fiber::Current();
  if (!fiber.ok() || fiber.running()) {
    f();
    return;
  }
  fiber.Run(f);
#endif
}

}  // namespace kop::testing::internal
