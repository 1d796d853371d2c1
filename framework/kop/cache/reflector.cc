#include "kop/cache/reflector.h"

#include <random>

namespace kop::cache {
namespace {

thread_local std::mt19937_64 rng{std::random_device{}()};

}  // namespace

Reflector::Reflector(client::ResourceClient resource, ReflectorOptions options, ReflectorSink& sink)
    : resource_(std::move(resource)), options_(std::move(options)), sink_(sink) {}

std::string Reflector::LastSyncResourceVersion() const {
  kop::MutexLock lock(&mu_);
  return rv_;
}

bool Reflector::Sleep(std::stop_token& stop, std::chrono::milliseconds d) {
  const auto deadline = std::chrono::steady_clock::now() + d;
  kop::MutexLock lock(&mu_);
  while (!stop.stop_requested()) {
    if (!wake_.WaitUntil(&mu_, deadline)) break;
  }
  return !stop.stop_requested();
}

std::chrono::milliseconds Reflector::NextBackoff() {
  const auto now = std::chrono::steady_clock::now();
  if (backoff_.count() == 0 || now - healthy_since_ >= options_.backoff_reset_after) {
    backoff_ = options_.initial_backoff;
  } else {
    backoff_ = std::min(backoff_ * 2, options_.max_backoff);
  }
  healthy_since_ = now;
  // Jitter up to +100%, as client-go's jittered backoff.
  std::uniform_real_distribution<double> jitter(1.0, 2.0);
  return std::min(std::chrono::milliseconds(static_cast<int64_t>(backoff_.count() * jitter(rng))),
                  options_.max_backoff);
}

void Reflector::Run(std::stop_token stop) {
  std::stop_callback on_stop(stop, [this] {
    kop::MutexLock lock(&mu_);
    if (watch_ != nullptr) watch_->Close();
    wake_.SignalAll();
  });
  bool need_list = true;
  healthy_since_ = std::chrono::steady_clock::now();
  while (!stop.stop_requested()) {
    if (need_list) {
      ++stats_.lists;
      absl::StatusOr<client::ObjectList> list =
          resource_.ListAll({.label_selector = options_.label_selector,
                             .field_selector = options_.field_selector,
                             .limit = options_.page_size,
                             .metadata_only = options_.metadata_only},
                            [this](Object& o) { sink_.Prepare(o); });
      if (!list.ok()) {
        ++stats_.failures;
        if (!Sleep(stop, NextBackoff())) return;
        continue;
      }
      {
        kop::MutexLock lock(&mu_);
        rv_ = list->resource_version;
      }
      sink_.OnReplace(std::move(list->items), list->resource_version);
      need_list = false;
      backoff_ = std::chrono::milliseconds(0);  // the server answered: the next failure starts over
    }

    std::uniform_int_distribution<int64_t> timeout(options_.min_watch_timeout.count(),
                                                   2 * options_.min_watch_timeout.count());
    ++stats_.watches;
    absl::StatusOr<std::unique_ptr<client::WatchStream>> watch =
        resource_.Watch({.label_selector = options_.label_selector,
                         .field_selector = options_.field_selector,
                         .resource_version = LastSyncResourceVersion(),
                         .allow_bookmarks = true,
                         .timeout_seconds = timeout(rng),
                         .metadata_only = options_.metadata_only,
                         .idle_timeout = options_.watch_idle_timeout});
    if (!watch.ok()) {
      ++stats_.failures;
      if (!Sleep(stop, NextBackoff())) return;
      continue;
    }
    {
      kop::MutexLock lock(&mu_);
      if (stop.stop_requested()) return;
      watch_ = watch->get();
    }
    bool gone = false;
    int64_t received = 0;
    const auto watch_started = std::chrono::steady_clock::now();
    while (std::optional<client::WatchEvent> e = (*watch)->Next(std::chrono::hours(1))) {
      if (e->type == client::WatchEvent::Type::kError) {
        gone = kop::IsGone(e->error);
        break;
      }
      if (received++ == 0) backoff_ = std::chrono::milliseconds(0);  // a working watch: healthy again
      std::string rv(e->object.resource_version());
      if (e->type != client::WatchEvent::Type::kBookmark) {
        ++stats_.events;
        sink_.Prepare(e->object);
        sink_.OnEvent(e->type, std::move(e->object));
      }
      if (!rv.empty()) {
        kop::MutexLock lock(&mu_);
        rv_ = std::move(rv);
      }
    }
    absl::Status ended = (*watch)->status();
    {
      kop::MutexLock lock(&mu_);
      watch_ = nullptr;
    }
    if (stop.stop_requested()) return;
    if (gone || kop::IsGone(ended)) {
      need_list = true;  // the version is too old to resume from: start over
      continue;
    }
    // The server ended a healthy watch: resume at once. A clean end with nothing received is
    // healthy too unless it came within a second (client-go's "very short watch"), which
    // points at a server refusing watches.
    if (ended.ok() && (received > 0 || std::chrono::steady_clock::now() - watch_started >= std::chrono::seconds(1))) {
      continue;
    }
    // A broken or very short watch: back off before trying again.
    ++stats_.failures;
    if (!Sleep(stop, NextBackoff())) return;
  }
}

}  // namespace kop::cache
