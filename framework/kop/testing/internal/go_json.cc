#include "kop/testing/internal/go_json.h"

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "kop/api/quantity.h"
#include "kop/api/time.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"

namespace kop::testing::internal {
namespace {

const Json* Member(const Json& schema, const char* key) {
  if (!schema.is_object()) return nullptr;
  auto it = schema.find(key);
  return it == schema.end() ? nullptr : &*it;
}

bool IsMapType(const Json& schema) {
  return Member(schema, "additionalProperties") != nullptr && Member(schema, "properties") == nullptr;
}

bool IsAlways(const Json& schema, const std::string& field) {
  const Json* always = Member(schema, kAlwaysKey);
  if (always == nullptr || !always->is_array()) return false;
  for (const Json& f : *always) {
    if (f.is_string() && f.get_ref<const std::string&>() == field) return true;
  }
  return false;
}

Json ZeroOf(const Json& schema) {
  if (Member(schema, "properties") != nullptr) return GoZeroValue(schema);
  const Json* type = Member(schema, "type");
  const Json* format = Member(schema, "format");
  if (format != nullptr && *format == "date-time") return nullptr;
  if (type == nullptr || !type->is_string()) return nullptr;
  const std::string& t = type->get_ref<const std::string&>();
  if (t == "integer" || t == "number") return 0;
  if (t == "boolean") return false;
  if (t == "string" && Member(schema, kQuantityKey) == nullptr) return "";
  if (t == "object" && Member(schema, "additionalProperties") == nullptr) return Json::object();  // an open struct
  return nullptr;  // lists, maps
}

// Go's strconv.Quote, for the bytes time.Parse's messages print.
std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

bool Digit(std::string_view s, size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; }

// Go's time.Parse of `text` with RFC 3339 (`micro`: RFC3339Micro, whose fraction is exactly
// six digits), as metav1.Time and MicroTime decode: the time written back as Go writes it (UTC;
// whole seconds, or six fraction digits), or time.Parse's message.
absl::StatusOr<std::string> GoTime(const std::string& text, bool micro) {
  const std::string layout = micro ? "2006-01-02T15:04:05.000000Z07:00" : "2006-01-02T15:04:05Z07:00";
  auto cannot = [&](std::string_view value_elem, std::string_view layout_elem) {
    return absl::InvalidArgumentError(kop::StrCat("parsing time ", GoQuote(text), " as ", GoQuote(layout),
                                                  ": cannot parse ", GoQuote(value_elem), " as ", GoQuote(layout_elem)));
  };
  auto out_of_range = [&](const char* what) {
    return absl::InvalidArgumentError(kop::StrCat("parsing time ", GoQuote(text), ": ", what, " out of range"));
  };
  std::string_view rest = text;
  // getnum: one or two digits (exactly two when `fixed`).
  auto number = [&](bool fixed, int* out) {
    if (!Digit(rest, 0)) return false;
    if (!Digit(rest, 1)) {
      if (fixed) return false;
      *out = rest[0] - '0';
      rest.remove_prefix(1);
      return true;
    }
    *out = (rest[0] - '0') * 10 + (rest[1] - '0');
    rest.remove_prefix(2);
    return true;
  };
  auto literal = [&](char c) {
    if (rest.empty() || rest[0] != c) return false;
    rest.remove_prefix(1);
    return true;
  };
  if (rest.size() < 4 || !Digit(rest, 0) || !Digit(rest, 1) || !Digit(rest, 2) || !Digit(rest, 3)) {
    return cannot(rest, "2006");
  }
  const int year = std::stoi(std::string(rest.substr(0, 4)));
  rest.remove_prefix(4);
  int month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int64_t nanos = 0;
  if (!literal('-')) return cannot(rest, "-");
  std::string_view hold = rest;
  if (!number(true, &month)) return cannot(hold, "01");
  if (month < 1 || month > 12) return out_of_range("month");
  if (!literal('-')) return cannot(rest, "-");
  hold = rest;
  if (!number(true, &day)) return cannot(hold, "02");
  if (!literal('T')) return cannot(rest, "T");
  hold = rest;
  if (!number(false, &hour)) return cannot(hold, "15");
  if (hour > 23) return out_of_range("hour");
  if (!literal(':')) return cannot(rest, ":");
  hold = rest;
  if (!number(true, &minute)) return cannot(hold, "04");
  if (minute > 59) return out_of_range("minute");
  if (!literal(':')) return cannot(rest, ":");
  hold = rest;
  if (!number(true, &second)) return cannot(hold, "05");
  if (second > 59) return out_of_range("second");
  auto fraction = [&](size_t digits) {
    int64_t ns = 0;
    for (size_t i = 1; i <= digits; ++i) {
      if (i <= 9) ns = ns * 10 + (rest[i] - '0');
    }
    for (size_t i = digits; i < 9; ++i) ns *= 10;
    rest.remove_prefix(digits + 1);
    return ns;
  };
  if (micro) {
    hold = rest;
    if (rest.size() < 7 || (rest[0] != '.' && rest[0] != ',')) return cannot(hold, ".000000");
    for (size_t i = 1; i < 7; ++i) {
      if (!Digit(rest, i)) return cannot(hold, ".000000");
    }
    nanos = fraction(6);
  } else if (rest.size() >= 2 && (rest[0] == '.' || rest[0] == ',') && Digit(rest, 1)) {
    size_t n = 1;
    while (Digit(rest, n)) ++n;
    nanos = fraction(n - 1);
  }
  int offset = 0;  // seconds east of UTC
  hold = rest;
  if (!literal('Z')) {
    if (rest.size() < 6 || rest[3] != ':' || !Digit(rest, 1) || !Digit(rest, 2) || !Digit(rest, 4) ||
        !Digit(rest, 5) || (rest[0] != '+' && rest[0] != '-')) {
      return cannot(hold, "Z07:00");
    }
    const int hh = (rest[1] - '0') * 10 + (rest[2] - '0');
    const int mm = (rest[4] - '0') * 10 + (rest[5] - '0');
    if (hh > 24) return out_of_range("time zone offset hour");
    if (mm > 60) return out_of_range("time zone offset minute");
    offset = (rest[0] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
    rest.remove_prefix(6);
  }
  if (!rest.empty()) {
    return absl::InvalidArgumentError(kop::StrCat("parsing time ", GoQuote(text), ": extra text: ", GoQuote(rest)));
  }
  const absl::CivilDay civil_day(year, month, day);
  if (civil_day.day() != day || civil_day.month() != month) return out_of_range("day");
  const absl::Time t = absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, second), absl::UTCTimeZone()) -
                       absl::Seconds(offset) + absl::Nanoseconds(nanos);
  return micro ? FormatRFC3339Micro(t) : FormatRFC3339(t);
}

absl::Status Walk(const Json& schema, Json& value) {
  if (const Json* go_time = Member(schema, kGoTimeKey); go_time != nullptr) {
    if (!value.is_string()) return absl::OkStatus();  // the schema reports the type
    KOP_ASSIGN_OR_RETURN(std::string written, GoTime(value.get<std::string>(), *go_time == "RFC3339Micro"));
    value = std::move(written);
    return absl::OkStatus();
  }
  if (Member(schema, kQuantityKey) != nullptr) {
    if (!value.is_string() && !value.is_number()) return absl::OkStatus();  // the schema reports the type
    const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    absl::StatusOr<Quantity> q = Quantity::Parse(text);
    if (!q.ok()) return q.status();
    value = q->String();
    return absl::OkStatus();
  }
  if (value.is_array()) {
    if (const Json* items = Member(schema, "items")) {
      for (Json& e : value) KOP_RETURN_IF_ERROR(Walk(*items, e));
    }
    return absl::OkStatus();
  }
  if (!value.is_object()) return absl::OkStatus();
  const Json* props = Member(schema, "properties");
  if (props == nullptr) {
    if (const Json* ap = Member(schema, "additionalProperties"); ap != nullptr && ap->is_object()) {
      for (auto& [k, v] : value.items()) KOP_RETURN_IF_ERROR(Walk(*ap, v));
    }
    return absl::OkStatus();
  }
  std::vector<std::string> drop;
  for (auto& [k, v] : value.items()) {
    auto sub = props->find(k);
    if (sub == props->end()) continue;  // pruning is the schema's business
    const bool always = IsAlways(schema, k);
    if (v.is_null()) {
      if (!always) drop.push_back(k);
      continue;
    }
    KOP_RETURN_IF_ERROR(Walk(*sub, v));
    if (!always && ((v.is_array() && v.empty()) || (v.is_object() && v.empty() && IsMapType(*sub)))) {
      drop.push_back(k);
    }
  }
  for (const std::string& k : drop) value.erase(k);
  if (const Json* always = Member(schema, kAlwaysKey); always != nullptr && always->is_array()) {
    for (const Json& f : *always) {
      const std::string& name = f.get_ref<const std::string&>();
      if (value.contains(name)) continue;
      auto sub = props->find(name);
      value[name] = sub == props->end() ? Json() : ZeroOf(*sub);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status GoRoundTrip(const Json& schema, Json& value) { return Walk(schema, value); }

void DropNullFields(const Json& schema, Json& value) {
  if (!schema.is_object()) return;
  if (value.is_array()) {
    if (auto items = schema.find("items"); items != schema.end()) {
      for (Json& e : value) DropNullFields(*items, e);
    }
    return;
  }
  if (!value.is_object()) return;
  auto props = schema.find("properties");
  if (props == schema.end() || !props->is_object()) return;
  for (auto it = value.begin(); it != value.end();) {
    auto p = props->find(it.key());
    if (p == props->end()) {
      ++it;
    } else if (it.value().is_null()) {
      it = value.erase(it);
    } else {
      DropNullFields(*p, it.value());
      ++it;
    }
  }
}

Json GoZeroValue(const Json& schema) {
  Json out = Json::object();
  const Json* props = Member(schema, "properties");
  const Json* always = Member(schema, kAlwaysKey);
  if (props == nullptr || always == nullptr || !always->is_array()) return out;
  for (const Json& f : *always) {
    const std::string& name = f.get_ref<const std::string&>();
    auto sub = props->find(name);
    out[name] = sub == props->end() ? Json() : ZeroOf(*sub);
  }
  return out;
}

}  // namespace kop::testing::internal
