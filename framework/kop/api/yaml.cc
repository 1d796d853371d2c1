#include "kop/api/yaml.h"

#include <yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "kop/base/strings.h"

namespace kop {
namespace {

bool IsInt(const std::string& s, int64_t* out) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (*b == '+') ++b;
  auto [p, ec] = std::from_chars(b, e, *out);
  return ec == std::errc() && p == e;
}

bool IsFloat(const std::string& s, double* out) {
  if (s == ".inf" || s == ".Inf" || s == "+.inf") {
    *out = INFINITY;
    return true;
  }
  if (s == "-.inf" || s == "-.Inf") {
    *out = -INFINITY;
    return true;
  }
  if (s.empty() || s.find_first_of("0123456789") == std::string::npos) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// A plain (unquoted, untagged) scalar as Kubernetes' YAML reads it: null, a boolean, an
// integer, a finite float, or else the text itself.
Json ResolvePlain(const std::string& v) {
  if (v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL") return nullptr;
  if (v == "true" || v == "True" || v == "TRUE") return true;
  if (v == "false" || v == "False" || v == "FALSE") return false;
  int64_t i = 0;
  if (IsInt(v, &i)) return i;
  double d = 0;
  if (IsFloat(v, &d) && std::isfinite(d)) return d;
  return v;
}

constexpr int kMaxDepth = 200;

// Builds JSON values from libyaml's events. Anchors are kept with their values; an alias is a
// copy, counted against a node budget so that nested aliases cannot expand without bound.
class Builder {
 public:
  explicit Builder(size_t input_bytes) : budget_(std::max<size_t>(100000, 20 * input_bytes)) {}

  absl::StatusOr<std::vector<Json>> Run(std::string_view text) {
    yaml_parser_t parser;
    if (yaml_parser_initialize(&parser) == 0) return absl::ResourceExhaustedError("YAML: out of memory");
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    absl::Status status;
    bool done = false;
    while (status.ok() && !done) {
      yaml_event_t event;
      if (yaml_parser_parse(&parser, &event) == 0) {
        status = absl::InvalidArgumentError(
            kop::StrCat("invalid YAML at line ", parser.problem_mark.line + 1, ", column ",
                        parser.problem_mark.column + 1, ": ",
                        parser.problem != nullptr ? parser.problem : "cannot parse",
                        parser.context != nullptr ? kop::StrCat(" (", parser.context, ")") : ""));
        break;
      }
      done = event.type == YAML_STREAM_END_EVENT;
      status = Handle(event);
      yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    if (!status.ok()) return status;
    return std::move(docs_);
  }

 private:
  struct Frame {
    Json value;
    std::string anchor;
    size_t nodes = 1;
    bool has_key = false;
    std::string key;
  };

  static std::string Text(const unsigned char* s) { return s != nullptr ? reinterpret_cast<const char*>(s) : ""; }

  absl::Status Handle(const yaml_event_t& e) {
    switch (e.type) {
      case YAML_DOCUMENT_START_EVENT:
        anchors_.clear();
        return absl::OkStatus();
      case YAML_SCALAR_EVENT: {
        const std::string value(reinterpret_cast<const char*>(e.data.scalar.value), e.data.scalar.length);
        const bool plain = e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && e.data.scalar.tag == nullptr;
        if (!frames_.empty() && frames_.back().value.is_object() && !frames_.back().has_key) {
          return Key(value);
        }
        return Complete(plain ? ResolvePlain(value) : Json(value), Text(e.data.scalar.anchor), 1, e);
      }
      case YAML_ALIAS_EVENT: {
        auto it = anchors_.find(Text(e.data.alias.anchor));
        if (it == anchors_.end()) {
          return absl::InvalidArgumentError(kop::StrCat("invalid YAML at line ", e.start_mark.line + 1,
                                                        ": unknown anchor \"", Text(e.data.alias.anchor), "\""));
        }
        if (!frames_.empty() && frames_.back().value.is_object() && !frames_.back().has_key) {
          if (!it->second.first.is_string()) return NotScalarKey(e);
          return Key(it->second.first.get<std::string>());
        }
        return Complete(it->second.first, "", it->second.second, e, /*fresh=*/false);
      }
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        if (!frames_.empty() && frames_.back().value.is_object() && !frames_.back().has_key) return NotScalarKey(e);
        if (frames_.size() >= kMaxDepth) {
          return absl::InvalidArgumentError(kop::StrCat("YAML nests deeper than ", kMaxDepth, " levels"));
        }
        Frame f;
        const bool map = e.type == YAML_MAPPING_START_EVENT;
        f.value = map ? Json::object() : Json::array();
        f.anchor = Text(map ? e.data.mapping_start.anchor : e.data.sequence_start.anchor);
        frames_.push_back(std::move(f));
        return absl::OkStatus();
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: {
        Frame f = std::move(frames_.back());
        frames_.pop_back();
        return Complete(std::move(f.value), f.anchor, f.nodes, e);
      }
      default:
        return absl::OkStatus();
    }
  }

  absl::Status NotScalarKey(const yaml_event_t& e) {
    return absl::InvalidArgumentError(
        kop::StrCat("YAML line ", e.start_mark.line + 1, ": mapping keys must be scalars"));
  }

  absl::Status Key(std::string key) {
    frames_.back().key = std::move(key);
    frames_.back().has_key = true;
    return absl::OkStatus();
  }

  // A finished node of `nodes` nodes: into its parent, or a document of its own.
  // `fresh`: parsed here (counted once); otherwise an alias's copy (counted in full).
  absl::Status Complete(Json value, const std::string& anchor, size_t nodes, const yaml_event_t& e,
                        bool fresh = true) {
    used_ += fresh ? 1 : nodes;
    if (used_ > budget_) {
      return absl::InvalidArgumentError(kop::StrCat("YAML line ", e.start_mark.line + 1,
                                                    ": aliases expand to more than ", budget_, " nodes"));
    }
    if (!anchor.empty()) anchors_[anchor] = {value, nodes};
    if (frames_.empty()) {
      if (!value.is_null()) docs_.push_back(std::move(value));
      return absl::OkStatus();
    }
    Frame& parent = frames_.back();
    parent.nodes += nodes;
    if (parent.value.is_object()) {
      parent.value[parent.key] = std::move(value);
      parent.has_key = false;
    } else {
      parent.value.push_back(std::move(value));
    }
    return absl::OkStatus();
  }

  const size_t budget_;
  size_t used_ = 0;
  std::vector<Frame> frames_;
  std::map<std::string, std::pair<Json, size_t>> anchors_;
  std::vector<Json> docs_;
};

}  // namespace

absl::StatusOr<std::vector<Json>> ParseYamlDocuments(std::string_view text) {
  return Builder(text.size()).Run(text);
}

absl::StatusOr<Json> ParseYaml(std::string_view text) {
  absl::StatusOr<std::vector<Json>> docs = ParseYamlDocuments(text);
  if (!docs.ok()) return docs.status();
  if (docs->size() != 1) {
    return absl::InvalidArgumentError(
        kop::StrCat("expected one YAML document, found ", docs->size()));
  }
  return std::move((*docs)[0]);
}

}  // namespace kop
