#include "kop/api/codec.h"

#include <cmath>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "kop/api/time.h"
#include "kop/base/strings.h"

namespace kop {

const std::string& IntOrString::string_value() const {
  static const std::string* const kEmpty = new std::string();
  return is_int() ? *kEmpty : std::get<std::string>(value_);
}

std::string IntOrString::ToString() const {
  return is_int() ? std::to_string(std::get<int32_t>(value_)) : std::get<std::string>(value_);
}

absl::StatusOr<int32_t> IntOrString::ScaledValue(int32_t total, bool round_up) const {
  if (is_int()) return int_value();
  const std::string& s = string_value();
  int32_t percent = 0;
  if (s.size() < 2 || s.back() != '%' ||
      !absl::SimpleAtoi(absl::string_view(s.data(), s.size() - 1), &percent)) {
    return absl::InvalidArgumentError(kop::StrCat("invalid value for IntOrString: invalid type: string is not a percentage: \"", s, "\""));
  }
  const double scaled = static_cast<double>(percent) * total / 100.0;
  return static_cast<int32_t>(round_up ? std::ceil(scaled) : std::floor(scaled));
}

std::string StaticGroupVersionKind::api_version() const {
  return group.empty() ? std::string(version) : kop::StrCat(group, "/", version);
}

std::string StrCatForCodec(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out.append(p);
  return out;
}

namespace codec {

std::string Path::ToString() const {
  std::vector<const Path*> chain;
  for (const Path* p = this; p != nullptr; p = p->parent) chain.push_back(p);
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const Path* p = *it;
    if (p->index != kNoIndex) {
      kop::StrAppend(&out, "[", p->index, "]");
    } else if (!p->key.empty()) {
      if (!out.empty()) out += '.';
      out.append(p->key);
    }
  }
  return out;
}

absl::Status WrongType(const Path& path, std::string_view want, JsonView got) {
  std::string shown = got.Dump();
  if (shown.size() > 64) shown = shown.substr(0, 61) + "...";
  std::string where = path.ToString();
  if (where.empty()) where = "the object";
  return absl::InvalidArgumentError(kop::StrCat(where, ": expected ", want, ", got ", JsonTypeName(got), " ", shown));
}

namespace {

bool Absent(JsonView v) { return !v.exists() || v.is_null(); }

// An integer, or a float with no fraction (what Go's decoder also accepts for integer fields).
bool IntegerOf(JsonView v, int64_t& out) {
  if (v.is_number_integer()) {
    if (v.is_number_unsigned() && v.get_uint64() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return false;
    }
    out = v.get_int64();
    return true;
  }
  if (v.is_number_float()) {
    const double d = v.get_double();
    if (std::trunc(d) != d || std::abs(d) > 9.2e18) return false;
    out = static_cast<int64_t>(d);
    return true;
  }
  return false;
}

}  // namespace

absl::Status Decode(JsonView v, std::string& out, const Path& path) {
  if (Absent(v)) return absl::OkStatus();
  if (!v.is_string()) return WrongType(path, "a string", v);
  out.assign(v.get_string());
  return absl::OkStatus();
}

absl::Status Decode(JsonView v, bool& out, const Path& path) {
  if (Absent(v)) return absl::OkStatus();
  if (!v.is_boolean()) return WrongType(path, "a boolean", v);
  out = v.get_bool();
  return absl::OkStatus();
}

absl::Status Decode(JsonView v, int32_t& out, const Path& path) {
  if (Absent(v)) return absl::OkStatus();
  int64_t n = 0;
  if (!IntegerOf(v, n) || n < std::numeric_limits<int32_t>::min() || n > std::numeric_limits<int32_t>::max()) {
    return WrongType(path, "a 32-bit integer", v);
  }
  out = static_cast<int32_t>(n);
  return absl::OkStatus();
}

absl::Status Decode(JsonView v, int64_t& out, const Path& path) {
  if (Absent(v)) return absl::OkStatus();
  if (!IntegerOf(v, out)) return WrongType(path, "a 64-bit integer", v);
  return absl::OkStatus();
}

absl::Status Decode(JsonView v, double& out, const Path& path) {
  if (Absent(v)) return absl::OkStatus();
  if (!v.is_number()) return WrongType(path, "a number", v);
  out = v.get_double();
  return absl::OkStatus();
}

absl::Status Decode(JsonView v, Quantity& out, const Path& path) {
  if (Absent(v)) return absl::OkStatus();
  absl::StatusOr<Quantity> q;
  if (v.is_string()) {
    q = Quantity::Parse(v.get_string());
  } else if (v.is_number()) {
    q = Quantity::Parse(v.Dump());
  } else {
    return WrongType(path, "a quantity", v);
  }
  if (!q.ok()) return absl::InvalidArgumentError(kop::StrCat(path.ToString(), ": ", q.status().message()));
  out = *std::move(q);
  return absl::OkStatus();
}

absl::Status Decode(JsonView v, IntOrString& out, const Path& path) {
  if (Absent(v)) return absl::OkStatus();
  if (v.is_string()) {
    out = IntOrString(std::string(v.get_string()));
    return absl::OkStatus();
  }
  int32_t n = 0;
  if (!v.is_number()) return WrongType(path, "an integer or a string", v);
  absl::Status s = Decode(v, n, path);
  if (!s.ok()) return s;
  out = IntOrString(n);
  return absl::OkStatus();
}

absl::Status Decode(JsonView v, absl::Time& out, const Path& path) {
  if (Absent(v)) return absl::OkStatus();
  if (!v.is_string()) return WrongType(path, "an RFC 3339 time", v);
  absl::StatusOr<absl::Time> t = ParseRFC3339(v.get_string());
  if (!t.ok()) return absl::InvalidArgumentError(kop::StrCat(path.ToString(), ": ", t.status().message()));
  out = *t;
  return absl::OkStatus();
}

absl::Status Decode(JsonView v, MicroTime& out, const Path& path) { return Decode(v, out.time, path); }

absl::Status Decode(JsonView v, Bytes& out, const Path& path) {
  if (Absent(v)) return absl::OkStatus();
  if (!v.is_string()) return WrongType(path, "base64 data", v);
  std::string decoded;
  const std::string_view text = v.get_string();
  if (!absl::Base64Unescape(absl::string_view(text.data(), text.size()), &decoded)) {
    return absl::InvalidArgumentError(kop::StrCat(path.ToString(), ": illegal base64 data"));
  }
  out = Bytes(std::move(decoded));
  return absl::OkStatus();
}

absl::Status Decode(JsonView v, Json& out, const Path&) {
  out = v.exists() ? v.ToJson() : Json(nullptr);
  return absl::OkStatus();
}

Json Encode(const std::string& v) { return v; }
Json Encode(bool v) { return v; }
Json Encode(int32_t v) { return v; }
Json Encode(int64_t v) { return v; }
Json Encode(double v) { return v; }
Json Encode(const Quantity& v) { return v.String(); }
Json Encode(const IntOrString& v) { return v.is_int() ? Json(v.int_value()) : Json(v.string_value()); }
Json Encode(absl::Time v) { return FormatRFC3339(v); }
Json Encode(const MicroTime& v) { return FormatRFC3339Micro(v.time); }
Json Encode(const Bytes& v) { return absl::Base64Escape(absl::string_view(v.data(), v.size())); }
Json Encode(const Json& v) { return v; }

void KeepUnknown(Json& unknown_fields, const JsonMember& member) {
  if (!unknown_fields.is_object()) unknown_fields = Json::object();
  unknown_fields[std::string(member.key)] = member.value.ToJson();
}

absl::Status ExpectObject(JsonView v, const Path& path) {
  if (!v.is_object()) return WrongType(path, "an object", v);
  return absl::OkStatus();
}

}  // namespace codec
}  // namespace kop
