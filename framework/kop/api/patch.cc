#include "kop/api/patch.h"

#include <charconv>
#include <utility>

#include "absl/status/status.h"
#include "kop/base/strings.h"
#include "kop/base/status_macros.h"

namespace kop {
namespace {

// An array index as RFC 6901 allows it: "0" or digits without a leading zero.
absl::StatusOr<size_t> ArrayIndex(std::string_view token, size_t limit) {
  if (token.empty() || (token.size() > 1 && token[0] == '0')) {
    return absl::InvalidArgumentError(kop::StrCat("\"", token, "\" is not an array index"));
  }
  size_t index = 0;
  auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
  if (ec != std::errc() || end != token.data() + token.size()) {
    return absl::InvalidArgumentError(kop::StrCat("\"", token, "\" is not an array index"));
  }
  if (index > limit) {
    return absl::InvalidArgumentError(
        kop::StrCat("array index ", index, " is out of range (size ", limit, ")"));
  }
  return index;
}

// The node the pointer names; NotFound-style InvalidArgument when absent.
absl::StatusOr<Json*> Resolve(Json& doc, const std::vector<std::string>& tokens, size_t count) {
  Json* node = &doc;
  for (size_t i = 0; i < count; ++i) {
    const std::string& t = tokens[i];
    if (node->is_object()) {
      auto it = node->find(t);
      if (it == node->end()) {
        return absl::InvalidArgumentError(kop::StrCat("key \"", t, "\" does not exist"));
      }
      node = &*it;
    } else if (node->is_array()) {
      if (node->empty() && t == "0") {
        return absl::InvalidArgumentError("array index 0 is out of range (size 0)");
      }
      KOP_ASSIGN_OR_RETURN(size_t index, ArrayIndex(t, node->size() - 1));
      node = &(*node)[index];
    } else {
      return absl::InvalidArgumentError(
          kop::StrCat("cannot step into a ", JsonTypeName(*node), " with \"", t, "\""));
    }
  }
  return node;
}

absl::Status Add(Json& doc, const std::vector<std::string>& tokens, Json value) {
  if (tokens.empty()) {
    doc = std::move(value);
    return absl::OkStatus();
  }
  KOP_ASSIGN_OR_RETURN(Json * parent, Resolve(doc, tokens, tokens.size() - 1));
  const std::string& last = tokens.back();
  if (parent->is_object()) {
    (*parent)[last] = std::move(value);
    return absl::OkStatus();
  }
  if (parent->is_array()) {
    if (last == "-") {
      parent->push_back(std::move(value));
      return absl::OkStatus();
    }
    KOP_ASSIGN_OR_RETURN(size_t index, ArrayIndex(last, parent->size()));
    parent->insert(parent->begin() + static_cast<std::ptrdiff_t>(index), std::move(value));
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      kop::StrCat("cannot add to a ", JsonTypeName(*parent)));
}

absl::StatusOr<Json> Remove(Json& doc, const std::vector<std::string>& tokens) {
  if (tokens.empty()) return absl::InvalidArgumentError("cannot remove the whole document");
  KOP_ASSIGN_OR_RETURN(Json * parent, Resolve(doc, tokens, tokens.size() - 1));
  const std::string& last = tokens.back();
  if (parent->is_object()) {
    auto it = parent->find(last);
    if (it == parent->end()) {
      return absl::InvalidArgumentError(kop::StrCat("key \"", last, "\" does not exist"));
    }
    Json removed = std::move(*it);
    parent->erase(it);
    return removed;
  }
  if (parent->is_array()) {
    if (parent->empty()) return absl::InvalidArgumentError("array is empty");
    KOP_ASSIGN_OR_RETURN(size_t index, ArrayIndex(last, parent->size() - 1));
    Json removed = std::move((*parent)[index]);
    parent->erase(parent->begin() + static_cast<std::ptrdiff_t>(index));
    return removed;
  }
  return absl::InvalidArgumentError(
      kop::StrCat("cannot remove from a ", JsonTypeName(*parent)));
}

absl::StatusOr<std::string> StringMember(const Json& op, const char* field) {
  auto it = op.find(field);
  if (it == op.end()) return absl::InvalidArgumentError(kop::StrCat("missing \"", field, "\""));
  if (!it->is_string()) {
    return absl::InvalidArgumentError(
        kop::StrCat("\"", field, "\" must be a string, got ", JsonTypeName(*it)));
  }
  return it->get<std::string>();
}

absl::StatusOr<Json> ValueMember(const Json& op) {
  auto it = op.find("value");
  if (it == op.end()) return absl::InvalidArgumentError("missing \"value\"");
  return *it;
}

absl::Status ApplyOne(Json& doc, const Json& op) {
  if (!op.is_object()) {
    return absl::InvalidArgumentError(
        kop::StrCat("operation must be an object, got ", JsonTypeName(op)));
  }
  KOP_ASSIGN_OR_RETURN(std::string name, StringMember(op, "op"));
  KOP_ASSIGN_OR_RETURN(std::string path_text, StringMember(op, "path"));
  KOP_ASSIGN_OR_RETURN(std::vector<std::string> path, ParseJsonPointer(path_text));
  if (name == "add") {
    KOP_ASSIGN_OR_RETURN(Json value, ValueMember(op));
    return Add(doc, path, std::move(value));
  }
  if (name == "remove") return Remove(doc, path).status();
  if (name == "replace") {
    KOP_ASSIGN_OR_RETURN(Json value, ValueMember(op));
    KOP_ASSIGN_OR_RETURN(Json * target, Resolve(doc, path, path.size()));
    *target = std::move(value);
    return absl::OkStatus();
  }
  if (name == "test") {
    KOP_ASSIGN_OR_RETURN(Json value, ValueMember(op));
    KOP_ASSIGN_OR_RETURN(Json * target, Resolve(doc, path, path.size()));
    if (*target != value) {
      return absl::InvalidArgumentError(kop::StrCat("test failed: value is ", DumpJson(*target),
                                                     ", expected ", DumpJson(value)));
    }
    return absl::OkStatus();
  }
  if (name == "move" || name == "copy") {
    KOP_ASSIGN_OR_RETURN(std::string from_text, StringMember(op, "from"));
    KOP_ASSIGN_OR_RETURN(std::vector<std::string> from, ParseJsonPointer(from_text));
    if (name == "move") {
      if (from == path) return absl::OkStatus();
      if (from.size() < path.size() && std::equal(from.begin(), from.end(), path.begin())) {
        return absl::InvalidArgumentError("cannot move a value into one of its own children");
      }
      KOP_ASSIGN_OR_RETURN(Json value, Remove(doc, from));
      return Add(doc, path, std::move(value));
    }
    KOP_ASSIGN_OR_RETURN(Json * source, Resolve(doc, from, from.size()));
    Json value = *source;
    return Add(doc, path, std::move(value));
  }
  return absl::InvalidArgumentError(kop::StrCat("unknown op \"", name, "\""));
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseJsonPointer(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer[0] != '/') {
    return absl::InvalidArgumentError(
        kop::StrCat("JSON pointer \"", pointer, "\" must start with '/'"));
  }
  std::string current;
  for (size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(std::move(current));
      current.clear();
      continue;
    }
    if (pointer[i] == '~') {
      if (i + 1 < pointer.size() && pointer[i + 1] == '0') {
        current.push_back('~');
      } else if (i + 1 < pointer.size() && pointer[i + 1] == '1') {
        current.push_back('/');
      } else {
        return absl::InvalidArgumentError(
            kop::StrCat("JSON pointer \"", pointer, "\": '~' must be followed by 0 or 1"));
      }
      ++i;
      continue;
    }
    current.push_back(pointer[i]);
  }
  return tokens;
}

Json CreateMergePatch(const Json& original, const Json& modified) {
  if (!original.is_object() || !modified.is_object()) return modified;
  Json patch = Json::object();
  for (const auto& [key, value] : original.items()) {
    if (!modified.contains(key)) patch[key] = nullptr;
  }
  for (const auto& [key, value] : modified.items()) {
    auto it = original.find(key);
    if (it == original.end()) {
      patch[key] = value;
    } else if (*it != value) {
      if (it->is_object() && value.is_object()) {
        patch[key] = CreateMergePatch(*it, value);
      } else {
        patch[key] = value;
      }
    }
  }
  return patch;
}

Json ApplyMergePatch(Json target, const Json& patch) {
  if (!patch.is_object()) return patch;
  if (!target.is_object()) target = Json::object();
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null()) {
      target.erase(key);
    } else {
      auto it = target.find(key);
      Json current = it == target.end() ? Json() : std::move(*it);
      target[key] = ApplyMergePatch(std::move(current), value);
    }
  }
  return target;
}

absl::StatusOr<Json> ApplyJsonPatch(Json target, const Json& patch) {
  if (!patch.is_array()) {
    return absl::InvalidArgumentError(
        kop::StrCat("json patch: expected an array of operations, got ", JsonTypeName(patch)));
  }
  for (size_t i = 0; i < patch.size(); ++i) {
    absl::Status s = ApplyOne(target, patch[i]);
    if (!s.ok()) {
      const Json& op = patch[i];
      std::string what;
      if (op.is_object() && op.contains("op") && op["op"].is_string() && op.contains("path") &&
          op["path"].is_string()) {
        what = kop::StrCat(" (", op["op"].get<std::string>(), " ",
                            op["path"].get<std::string>(), ")");
      }
      return absl::InvalidArgumentError(
          kop::StrCat("json patch operation ", i, what, ": ", s.message()));
    }
  }
  return target;
}

}  // namespace kop
