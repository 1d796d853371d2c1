#include "kop/api/yaml.h"

#include <charconv>
#include <cmath>

#include "absl/status/status.h"
#include "kop/base/strings.h"
#include "yaml-cpp/yaml.h"

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

Json Scalar(const YAML::Node& node) {
  const std::string& v = node.Scalar();
  if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") return v;  // quoted
  if (node.Tag() != "?" && !node.Tag().empty()) return v;
  if (v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL") return nullptr;
  if (v == "true" || v == "True" || v == "TRUE") return true;
  if (v == "false" || v == "False" || v == "FALSE") return false;
  int64_t i = 0;
  if (IsInt(v, &i)) return i;
  double d = 0;
  if (IsFloat(v, &d) && std::isfinite(d)) return d;
  return v;
}

absl::StatusOr<Json> ToJson(const YAML::Node& node, int depth) {
  if (depth > 200) return absl::InvalidArgumentError("YAML nests deeper than 200 levels");
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return Json(nullptr);
    case YAML::NodeType::Scalar:
      return Scalar(node);
    case YAML::NodeType::Sequence: {
      Json arr = Json::array();
      for (const YAML::Node& item : node) {
        absl::StatusOr<Json> v = ToJson(item, depth + 1);
        if (!v.ok()) return v;
        arr.push_back(*std::move(v));
      }
      return arr;
    }
    case YAML::NodeType::Map: {
      Json obj = Json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
          return absl::InvalidArgumentError(kop::StrCat(
              "YAML line ", kv.first.Mark().line + 1, ": mapping keys must be scalars"));
        }
        absl::StatusOr<Json> v = ToJson(kv.second, depth + 1);
        if (!v.ok()) return v;
        obj[kv.first.Scalar()] = *std::move(v);
      }
      return obj;
    }
  }
  return Json(nullptr);
}

void Emit(YAML::Emitter& out, const Json& j) {
  switch (j.type()) {
    case Json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [k, v] : j.items()) {
        out << YAML::Key << k << YAML::Value;
        Emit(out, v);
      }
      out << YAML::EndMap;
      break;
    case Json::value_t::array:
      out << YAML::BeginSeq;
      for (const Json& v : j) Emit(out, v);
      out << YAML::EndSeq;
      break;
    case Json::value_t::string: {
      const std::string& s = j.get_ref<const std::string&>();
      // Quote strings that would otherwise read back as another type.
      YAML::Node probe(s);
      bool ambiguous = s.empty() || Scalar(probe).type() != Json::value_t::string;
      if (ambiguous) {
        out << YAML::DoubleQuoted << s;
      } else {
        out << s;
      }
      break;
    }
    case Json::value_t::boolean:
      out << (j.get<bool>() ? "true" : "false");
      break;
    case Json::value_t::null:
      out << YAML::Null;
      break;
    default:
      out << j.dump();
  }
}

}  // namespace

absl::StatusOr<std::vector<Json>> ParseYamlDocuments(std::string_view text) {
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(kop::StrCat("invalid YAML at line ", e.mark.line + 1,
                                                  ", column ", e.mark.column + 1, ": ", e.msg));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(kop::StrCat("invalid YAML: ", e.what()));
  }
  std::vector<Json> docs;
  for (const YAML::Node& n : nodes) {
    if (n.IsNull()) continue;
    absl::StatusOr<Json> j = ToJson(n, 0);
    if (!j.ok()) return j.status();
    docs.push_back(*std::move(j));
  }
  return docs;
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

std::string DumpYaml(const Json& j) {
  YAML::Emitter out;
  Emit(out, j);
  return std::string(out.c_str()) + "\n";
}

}  // namespace kop
