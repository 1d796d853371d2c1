#include "kop/testing/internal/large_stack.h"

#include <pthread.h>

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <utility>

namespace kop::testing::internal {
namespace {

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

}  // namespace

void RunOnLargeStack(absl::FunctionRef<void()> f) {
  thread_local std::unique_ptr<Companion> companion = std::make_unique<Companion>();
  if (!companion->started()) {
    f();
    return;
  }
  companion->Run(f);
}

}  // namespace kop::testing::internal
