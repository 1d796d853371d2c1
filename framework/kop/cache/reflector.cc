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

bool Reflector::Deliver(std::vector<client::WatchEvent>& events) {
  std::string rv;
  bool stop = false;
  bool gone = false;
  size_t kept = 0;
  size_t seen = 0;
  for (client::WatchEvent& e : events) {
    if (e.type == client::WatchEvent::Type::kError) {
      gone = kop::IsGone(e.error);
      stop = true;
      break;
    }
    ++seen;
    if (std::string_view v = e.object.resource_version(); !v.empty()) rv = v;
    if (e.type == client::WatchEvent::Type::kBookmark) continue;
    if (&events[kept] != &e) events[kept] = std::move(e);
    ++kept;
  }
  events.resize(kept);
  stats_.events += static_cast<int64_t>(kept);
  if (kept > 0) sink_.OnEvents(events);
  kop::MutexLock lock(&mu_);
  watch_.received += static_cast<int64_t>(seen);
  if (!rv.empty()) rv_ = std::move(rv);
  if (stop) watch_.gone = gone;
  return !stop;
}

void Reflector::Run(std::stop_token stop) {
  std::stop_callback on_stop(stop, [this] {
    kop::MutexLock lock(&mu_);
    if (watch_.stream != nullptr) watch_.stream->Cancel();  // asynchronous: its end comes later
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
    // The watch delivers on the client's event-loop thread, straight into the sink: a hand-off
    // to this thread would cost a thread wake-up per event. This thread waits for its end.
    {
      kop::MutexLock lock(&mu_);
      watch_ = {};
    }
    std::unique_ptr<client::Stream> stream = resource_.WatchEach(
        {.label_selector = options_.label_selector,
         .field_selector = options_.field_selector,
         .resource_version = LastSyncResourceVersion(),
         .allow_bookmarks = true,
         .timeout_seconds = timeout(rng),
         .metadata_only = options_.metadata_only,
         .idle_timeout = options_.watch_idle_timeout,
         .compact = options_.decode_compact,
         .compact_omit = options_.decode_omit},
        [this](std::vector<client::WatchEvent>& events) { return Deliver(events); },
        [this](absl::Status s) {
          kop::MutexLock lock(&mu_);
          watch_.ended = true;
          watch_.status = std::move(s);
          wake_.SignalAll();
        });
    const auto watch_started = std::chrono::steady_clock::now();
    WatchState watch;
    {
      kop::MutexLock lock(&mu_);
      watch_.stream = stream.get();
      // Stopping cancels the stream (on_stop above); its end still has to be waited for, as
      // the callbacks use this reflector.
      if (stop.stop_requested() && stream != nullptr) stream->Cancel();
      while (!watch_.ended) wake_.Wait(&mu_);
      watch_.stream = nullptr;
      watch = std::move(watch_);
    }
    stream.reset();
    const bool gone = watch.gone;
    const int64_t received = watch.received;
    const absl::Status& ended = watch.status;
    if (received > 0) backoff_ = std::chrono::milliseconds(0);  // a working watch: healthy again
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
