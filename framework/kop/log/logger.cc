#include "kop/log/logger.h"

#include <cstdio>

#include "kop/base/strings.h"
#include "kop/api/time.h"

namespace kop::log {
namespace internal {

// Settings shared by a root logger and all its children. Thread-safe.
struct Core {
  explicit Core(Options o)
      : verbosity(o.verbosity),
        format(o.format),
        clock(o.clock != nullptr ? o.clock : &RealClock()),
        sink(o.sink != nullptr ? std::move(o.sink) : StderrSink()) {}

  std::atomic<int> verbosity;
  std::atomic<Format> format;
  std::atomic<const Clock*> clock;
  kop::Mutex mu;  // guards sink
  std::shared_ptr<Sink> sink ABSL_GUARDED_BY(mu);
};

}  // namespace internal

namespace {

class StderrSinkImpl final : public Sink {
 public:
  void Write(std::string_view line) override {
    kop::MutexLock lock(&mu_);
    std::fwrite(line.data(), 1, line.size(), stderr);
  }

 private:
  kop::Mutex mu_;  // serialises writes so records never interleave
};

std::shared_ptr<internal::Core>& RootCore() {
  static auto* core = new std::shared_ptr<internal::Core>(
      std::make_shared<internal::Core>(Options{}));
  return *core;
}

// "CODE: message", without the payloads a Status may carry (machine-readable details that
// belong to the caller, not to a log line).
std::string StatusText(const absl::Status& s) {
  if (s.ok()) return "OK";
  return kop::StrCat(absl::StatusCodeToString(s.code()), ": ", s.message());
}

void AppendJsonString(std::string& out, std::string_view s) {
  out += Json(s).dump(-1, ' ', false, Json::error_handler_t::replace);
}

void AppendJsonValue(std::string& out, const Json& v) {
  out += v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Text values: strings quoted (and escaped) as JSON so that a value can never forge a field;
// everything else in its JSON form.
void AppendTextField(std::string& out, std::string_view key, const Json& v) {
  out += ' ';
  out += key;
  out += '=';
  AppendJsonValue(out, v);
}

// A logger's fixed fields, outermost WithValues first (the order they were added in).
template <typename F>
void ForEachContextFields(const internal::FieldNode* node, F&& f) {
  absl::InlinedVector<const internal::FieldNode*, 8> chain;
  for (; node != nullptr; node = node->parent.get()) chain.push_back(node);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) f((*it)->fields);
}

}  // namespace

void internal::FlattenFields(const FieldNode& node, Fields& out) {
  ForEachContextFields(&node, [&](const Fields& fields) {
    for (const auto& kv : fields) out.push_back(kv);
  });
}

absl::StatusOr<Format> ParseFormat(std::string_view text) {
  if (text == "json") return Format::kJson;
  if (text == "text") return Format::kText;
  return absl::InvalidArgumentError(
      kop::StrCat("log format \"", text, "\": want \"json\" or \"text\""));
}

std::shared_ptr<Sink> StderrSink() {
  static auto* sink = new std::shared_ptr<Sink>(std::make_shared<StderrSinkImpl>());
  return *sink;
}

void MemorySink::Write(std::string_view line) {
  kop::MutexLock lock(&mu_);
  lines_.emplace_back(line);
}

std::vector<std::string> MemorySink::Lines() const {
  kop::MutexLock lock(&mu_);
  return lines_;
}

void Configure(Options options) {
  internal::Core& core = *RootCore();
  core.verbosity.store(options.verbosity, std::memory_order_relaxed);
  core.format.store(options.format, std::memory_order_relaxed);
  core.clock.store(options.clock != nullptr ? options.clock : &RealClock());
  kop::MutexLock lock(&core.mu);
  core.sink = options.sink != nullptr ? std::move(options.sink) : StderrSink();
}

Logger Root() { return Logger(RootCore()); }

Logger::Logger(Options options)
    : core_(std::make_shared<internal::Core>(std::move(options))) {}

Logger::Logger(std::shared_ptr<internal::Core> core) : core_(std::move(core)) {}

Logger Logger::WithName(std::string_view name) const {
  Logger child = *this;
  child.name_ = name_.empty() ? std::string(name) : kop::StrCat(name_, ".", name);
  return child;
}

bool Logger::Enabled(int level) const {
  return level <= core_->verbosity.load(std::memory_order_relaxed);
}

void Logger::Emit(int level, const absl::Status* error, std::string_view msg,
                  const internal::Fields& call_fields) const {
  const absl::Time now = core_->clock.load(std::memory_order_relaxed)->WallNow();
  std::string line;
  line.reserve(128 + msg.size());
  if (core_->format.load(std::memory_order_relaxed) == Format::kJson) {
    line += "{\"ts\":\"";
    line += FormatRFC3339Micro(now);
    line += "\",\"level\":\"";
    line += error != nullptr ? "error" : (level > 0 ? "debug" : "info");
    line += '"';
    if (level > 0) kop::StrAppend(&line, ",\"v\":", level);
    if (!name_.empty()) {
      line += ",\"logger\":";
      AppendJsonString(line, name_);
    }
    line += ",\"msg\":";
    AppendJsonString(line, msg);
    if (error != nullptr) {
      line += ",\"error\":";
      AppendJsonString(line, StatusText(*error));
    }
    auto append = [&](const internal::Fields& fields) {
      for (const auto& [k, v] : fields) {
        line += ',';
        AppendJsonString(line, k);
        line += ':';
        AppendJsonValue(line, v);
      }
    };
    ForEachContextFields(fields_.get(), append);
    append(call_fields);
    line += "}\n";
  } else {
    line += FormatRFC3339Micro(now);
    line += ' ';
    if (error != nullptr) {
      line += "ERROR";
    } else if (level > 0) {
      kop::StrAppend(&line, "V", level, "   ");
    } else {
      line += "INFO ";
    }
    if (!name_.empty()) {
      line += ' ';
      line += name_;
    }
    line += ' ';
    AppendJsonString(line, msg);
    if (error != nullptr) AppendTextField(line, "error", Json(StatusText(*error)));
    ForEachContextFields(fields_.get(), [&](const internal::Fields& fields) {
      for (const auto& [k, v] : fields) AppendTextField(line, k, v);
    });
    for (const auto& [k, v] : call_fields) AppendTextField(line, k, v);
    line += '\n';
  }
  std::shared_ptr<Sink> sink;
  {
    kop::MutexLock lock(&core_->mu);
    sink = core_->sink;
  }
  sink->Write(line);
}

}  // namespace kop::log
