#include "kop/api/json_view.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#include "kop/base/strings.h"

namespace kop {
namespace {

enum Tag : unsigned char {
  kNull = 0,
  kFalse = 1,
  kTrue = 2,
  kInt = 3,
  kUint = 4,
  kDouble = 5,
  kString = 6,
  kArray = 7,
  kObject = 8,
};

// Containers with more entries than this carry a table of entry offsets.
constexpr uint64_t kIndexedAbove = 8;

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

uint64_t GetVarint(const unsigned char*& p) {
  uint64_t v = 0;
  int shift = 0;
  while (*p & 0x80) {
    v |= static_cast<uint64_t>(*p++ & 0x7f) << shift;
    shift += 7;
  }
  v |= static_cast<uint64_t>(*p++) << shift;
  return v;
}

void PutZigZag(std::string& out, int64_t v) {
  PutVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

int64_t GetZigZag(const unsigned char*& p) {
  const uint64_t z = GetVarint(p);
  return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
}

void PutU32(std::string& out, size_t at, uint32_t v) { std::memcpy(out.data() + at, &v, sizeof v); }

uint32_t GetU32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

void EncodeValue(const Json& j, std::string& out);

// count, body size, [offset table], entries (written by `each`, which is handed the body start).
template <typename Each>
void EncodeContainer(Tag tag, size_t count, std::string& out, Each each) {
  out.push_back(static_cast<char>(tag));
  PutVarint(out, count);
  const size_t size_at = out.size();
  out.append(4, '\0');
  const size_t body = out.size();
  const bool indexed = count > kIndexedAbove;
  if (indexed) out.append(4 * count, '\0');
  size_t i = 0;
  each([&] {
    if (indexed) PutU32(out, body + 4 * i, static_cast<uint32_t>(out.size() - body));
    ++i;
  });
  PutU32(out, size_at, static_cast<uint32_t>(out.size() - body));
}

void EncodeValue(const Json& j, std::string& out) {
  switch (j.type()) {
    case Json::value_t::boolean:
      out.push_back(static_cast<char>(j.get<bool>() ? kTrue : kFalse));
      return;
    case Json::value_t::number_integer:
      out.push_back(static_cast<char>(kInt));
      PutZigZag(out, j.get<int64_t>());
      return;
    case Json::value_t::number_unsigned:
      out.push_back(static_cast<char>(kUint));
      PutVarint(out, j.get<uint64_t>());
      return;
    case Json::value_t::number_float: {
      const double d = j.get<double>();
      out.push_back(static_cast<char>(kDouble));
      out.append(reinterpret_cast<const char*>(&d), sizeof d);
      return;
    }
    case Json::value_t::string: {
      const std::string& s = j.get_ref<const std::string&>();
      out.push_back(static_cast<char>(kString));
      PutVarint(out, s.size());
      out.append(s);
      return;
    }
    case Json::value_t::array:
      EncodeContainer(kArray, j.size(), out, [&](auto&& mark) {
        for (const Json& e : j) {
          mark();
          EncodeValue(e, out);
        }
      });
      return;
    case Json::value_t::object:
      EncodeContainer(kObject, j.size(), out, [&](auto&& mark) {
        for (auto it = j.begin(); it != j.end(); ++it) {
          mark();
          const std::string& key = it.key();
          PutVarint(out, key.size());
          out.append(key);
          EncodeValue(*it, out);
        }
      });
      return;
    default:  // null, and the binary and discarded values JSON text never produces
      out.push_back(static_cast<char>(kNull));
      return;
  }
}

struct Header {
  uint64_t count;
  const unsigned char* body;
  uint32_t body_size;
};

Header ReadHeader(const unsigned char* p) {
  ++p;
  Header h;
  h.count = GetVarint(p);
  h.body_size = GetU32(p);
  h.body = p + 4;
  return h;
}

const unsigned char* FirstEntry(const Header& h) {
  return h.count > kIndexedAbove ? h.body + 4 * h.count : h.body;
}

const unsigned char* Skip(const unsigned char* p) {
  switch (*p) {
    case kInt:
    case kUint:
      ++p;
      GetVarint(p);
      return p;
    case kDouble:
      return p + 1 + sizeof(double);
    case kString: {
      ++p;
      const uint64_t n = GetVarint(p);
      return p + n;
    }
    case kArray:
    case kObject: {
      const Header h = ReadHeader(p);
      return h.body + h.body_size;
    }
    default:
      return p + 1;
  }
}

std::string_view ReadKey(const unsigned char*& p) {
  const uint64_t n = GetVarint(p);
  std::string_view key(reinterpret_cast<const char*>(p), n);
  p += n;
  return key;
}

Json Decode(const unsigned char* p) {
  switch (*p) {
    case kFalse:
      return false;
    case kTrue:
      return true;
    case kInt:
      ++p;
      return GetZigZag(p);
    case kUint:
      ++p;
      return GetVarint(p);
    case kDouble: {
      double d;
      std::memcpy(&d, p + 1, sizeof d);
      return d;
    }
    case kString: {
      ++p;
      const uint64_t n = GetVarint(p);
      return std::string(reinterpret_cast<const char*>(p), n);
    }
    case kArray: {
      const Header h = ReadHeader(p);
      Json out = Json::array();
      out.get_ref<Json::array_t&>().reserve(h.count);
      const unsigned char* e = FirstEntry(h);
      for (uint64_t i = 0; i < h.count; ++i) {
        out.push_back(Decode(e));
        e = Skip(e);
      }
      return out;
    }
    case kObject: {
      const Header h = ReadHeader(p);
      Json out = Json::object();
      auto& members = out.get_ref<Json::object_t&>();
      const unsigned char* e = FirstEntry(h);
      for (uint64_t i = 0; i < h.count; ++i) {
        const std::string_view key = ReadKey(e);
        // Keys arrive sorted: each one goes at the end.
        members.emplace_hint(members.end(), std::string(key), Decode(e));
        e = Skip(e);
      }
      return out;
    }
    default:
      return nullptr;
  }
}

}  // namespace

// ---- JsonView ----

Json::value_t JsonView::type() const {
  if (tree_ != nullptr) return tree_->type();
  if (data_ == nullptr) return Json::value_t::discarded;
  switch (*data_) {
    case kFalse:
    case kTrue:
      return Json::value_t::boolean;
    case kInt:
      return Json::value_t::number_integer;
    case kUint:
      return Json::value_t::number_unsigned;
    case kDouble:
      return Json::value_t::number_float;
    case kString:
      return Json::value_t::string;
    case kArray:
      return Json::value_t::array;
    case kObject:
      return Json::value_t::object;
    default:
      return Json::value_t::null;
  }
}

bool JsonView::is_number_integer() const {
  const Json::value_t t = type();
  return t == Json::value_t::number_integer || t == Json::value_t::number_unsigned;
}

std::string_view JsonView::get_string() const {
  if (tree_ != nullptr) {
    return tree_->is_string() ? std::string_view(tree_->get_ref<const std::string&>())
                              : std::string_view();
  }
  if (data_ == nullptr || *data_ != kString) return {};
  const unsigned char* p = data_ + 1;
  const uint64_t n = GetVarint(p);
  return {reinterpret_cast<const char*>(p), n};
}

int64_t JsonView::get_int64() const {
  if (tree_ != nullptr) return tree_->is_number_integer() ? tree_->get<int64_t>() : 0;
  if (data_ == nullptr) return 0;
  const unsigned char* p = data_ + 1;
  if (*data_ == kInt) return GetZigZag(p);
  if (*data_ == kUint) return static_cast<int64_t>(GetVarint(p));
  return 0;
}

uint64_t JsonView::get_uint64() const {
  if (tree_ != nullptr) return tree_->is_number_integer() ? tree_->get<uint64_t>() : 0;
  if (data_ != nullptr && *data_ == kUint) {
    const unsigned char* p = data_ + 1;
    return GetVarint(p);
  }
  return static_cast<uint64_t>(get_int64());
}

double JsonView::get_double() const {
  if (tree_ != nullptr) return tree_->is_number() ? tree_->get<double>() : 0.0;
  if (data_ == nullptr) return 0.0;
  if (*data_ == kDouble) {
    double d;
    std::memcpy(&d, data_ + 1, sizeof d);
    return d;
  }
  if (*data_ == kUint) return static_cast<double>(get_uint64());
  return static_cast<double>(get_int64());
}

bool JsonView::get_bool() const {
  if (tree_ != nullptr) return tree_->is_boolean() && tree_->get<bool>();
  return data_ != nullptr && *data_ == kTrue;
}

size_t JsonView::size() const {
  if (tree_ != nullptr) {
    return tree_->is_object() || tree_->is_array() ? tree_->size() : 0;
  }
  if (data_ == nullptr || (*data_ != kArray && *data_ != kObject)) return 0;
  return ReadHeader(data_).count;
}

JsonView JsonView::find(std::string_view key) const {
  if (tree_ != nullptr) {
    if (!tree_->is_object()) return {};
    auto it = tree_->find(key);
    return it == tree_->end() ? JsonView() : JsonView(*it);
  }
  if (data_ == nullptr || *data_ != kObject) return {};
  const Header h = ReadHeader(data_);
  if (h.count > kIndexedAbove) {
    uint64_t lo = 0;
    uint64_t hi = h.count;
    while (lo < hi) {
      const uint64_t mid = lo + (hi - lo) / 2;
      const unsigned char* e = h.body + GetU32(h.body + 4 * mid);
      const int c = ReadKey(e).compare(key);
      if (c == 0) return JsonView(e);
      if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return {};
  }
  const unsigned char* e = h.body;
  for (uint64_t i = 0; i < h.count; ++i) {
    const int c = ReadKey(e).compare(key);
    if (c == 0) return JsonView(e);
    if (c > 0) break;  // keys are sorted
    e = Skip(e);
  }
  return {};
}

JsonView JsonView::at(size_t index) const {
  if (tree_ != nullptr) {
    return tree_->is_array() && index < tree_->size() ? JsonView((*tree_)[index]) : JsonView();
  }
  if (data_ == nullptr || *data_ != kArray) return {};
  const Header h = ReadHeader(data_);
  if (index >= h.count) return {};
  if (h.count > kIndexedAbove) return JsonView(h.body + GetU32(h.body + 4 * index));
  const unsigned char* e = h.body;
  for (size_t i = 0; i < index; ++i) e = Skip(e);
  return JsonView(e);
}

JsonView::Range JsonView::items() const {
  Range r;
  Iterator& it = r.begin_;
  const Json::value_t t = type();
  if (t != Json::value_t::object && t != Json::value_t::array) return r;
  it.object_ = t == Json::value_t::object;
  it.remaining_ = size();
  if (it.remaining_ == 0) return r;
  if (tree_ != nullptr) {
    it.tree_ = tree_;
    it.it_ = tree_->begin();
  } else {
    it.next_ = FirstEntry(ReadHeader(data_));
  }
  it.Load();
  return r;
}

void JsonView::Iterator::Load() {
  if (tree_ != nullptr) {
    current_.key = object_ ? std::string_view(it_.key()) : std::string_view();
    current_.value = JsonView(*it_);
    return;
  }
  const unsigned char* p = next_;
  current_.key = object_ ? ReadKey(p) : std::string_view();
  current_.value = JsonView(p);
  next_ = Skip(p);
}

JsonView::Iterator& JsonView::Iterator::operator++() {
  if (remaining_ == 0) return *this;
  if (--remaining_ == 0) return *this;
  if (tree_ != nullptr) ++it_;
  Load();
  return *this;
}

Json JsonView::ToJson() const {
  if (tree_ != nullptr) return *tree_;
  if (data_ == nullptr) return nullptr;
  return Decode(data_);
}

std::string JsonView::Dump() const {
  if (!exists()) return "";
  if (tree_ != nullptr) return DumpJson(*tree_);
  return DumpJson(Decode(data_));
}

bool operator==(const JsonView& a, const JsonView& b) {
  if (a.tree_ != nullptr && b.tree_ != nullptr) return *a.tree_ == *b.tree_;
  if (a.data_ != nullptr && a.data_ == b.data_) return true;
  const Json::value_t ta = a.type();
  const Json::value_t tb = b.type();
  if (a.is_number() && b.is_number()) {
    if (ta == Json::value_t::number_float || tb == Json::value_t::number_float) {
      return a.get_double() == b.get_double();
    }
    if (ta == Json::value_t::number_unsigned && tb == Json::value_t::number_unsigned) {
      return a.get_uint64() == b.get_uint64();
    }
    return a.get_int64() == b.get_int64();
  }
  if (ta != tb) return false;
  switch (ta) {
    case Json::value_t::discarded:
    case Json::value_t::null:
      return true;
    case Json::value_t::boolean:
      return a.get_bool() == b.get_bool();
    case Json::value_t::string:
      return a.get_string() == b.get_string();
    case Json::value_t::array:
    case Json::value_t::object: {
      if (a.size() != b.size()) return false;
      // Both representations keep object members sorted by key: compare in step.
      const JsonView::Range ra = a.items();
      const JsonView::Range rb = b.items();
      for (auto ia = ra.begin(), ib = rb.begin(); ia != ra.end(); ++ia, ++ib) {
        if (ia->key != ib->key || !(ia->value == ib->value)) return false;
      }
      return true;
    }
    default:
      return a.ToJson() == b.ToJson();
  }
}

std::string_view JsonTypeName(const JsonView& v) {
  return v.exists() ? JsonTypeName(v.type()) : "absent";
}

// ---- Parsing straight into the compact form ----

namespace {

// A document's values, written as the parser meets them: scalars in place; a container's entries
// first, then, at its end, moved behind its header (objects' entries sorted by key, a repeated
// key keeping its last value, as the tree would hold them). Every finished container is
// position-independent, so moving it is a copy.
class CompactWriter {
 public:
  CompactWriter(std::string& out, const std::vector<std::vector<std::string>>& omit)
      : out_(out), omit_(omit) {
    for (const auto& path : omit_) omit_depths_ |= path.size() < 64 ? uint64_t{1} << path.size() : 0;
  }

  bool null() { return Scalar(kNull); }
  bool boolean(bool v) { return Scalar(v ? kTrue : kFalse); }
  bool number_integer(int64_t v) {
    Begin();
    out_.push_back(static_cast<char>(kInt));
    PutZigZag(out_, v);
    return End();
  }
  bool number_unsigned(uint64_t v) {
    Begin();
    out_.push_back(static_cast<char>(kUint));
    PutVarint(out_, v);
    return End();
  }
  bool number_float(double v) {
    Begin();
    out_.push_back(static_cast<char>(kDouble));
    out_.append(reinterpret_cast<const char*>(&v), sizeof v);
    return End();
  }
  bool string(std::string_view v) {
    Begin();
    out_.push_back(static_cast<char>(kString));
    PutVarint(out_, v.size());
    out_.append(v);
    return End();
  }
  bool start_object(size_t) { return Open(true); }
  bool key(std::string_view k) {
    entries_.push_back(out_.size());
    PutVarint(out_, k.size());
    out_.append(k);
    return true;
  }
  bool end_object() { return Close(); }
  bool start_array(size_t) { return Open(false); }
  bool end_array() { return Close(); }
  const std::string& error() const { return error_; }

 private:
  struct Container {
    size_t start;        // where its entries begin in out_
    size_t first_entry;  // its first entry in entries_
    bool object;
  };

  // A value starts: an array's element is an entry of its own (an object's began at its key).
  void Begin() {
    if (!open_.empty() && !open_.back().object) entries_.push_back(out_.size());
  }
  bool Scalar(Tag tag) {
    Begin();
    out_.push_back(static_cast<char>(tag));
    return End();
  }
  bool Open(bool object) {
    Begin();
    open_.push_back({out_.size(), entries_.size(), object});
    return true;
  }

  bool Close() {
    const Container c = open_.back();
    open_.pop_back();
    const size_t n = entries_.size() - c.first_entry;
    // The entries, in the order they are to be written.
    order_.resize(n);
    for (size_t i = 0; i < n; ++i) order_[i] = static_cast<uint32_t>(i);
    auto span = [&](uint32_t i) {
      const size_t begin = entries_[c.first_entry + i];
      const size_t end = i + 1 < n ? entries_[c.first_entry + i + 1] : out_.size();
      return std::pair<size_t, size_t>(begin - c.start, end - begin);
    };
    auto key_of = [&](uint32_t i) {
      const unsigned char* p = reinterpret_cast<const unsigned char*>(out_.data()) + entries_[c.first_entry + i];
      return ReadKey(p);
    };
    if (c.object && n > 1) {
      bool sorted = true;
      for (size_t i = 1; i < n && sorted; ++i) sorted = key_of(static_cast<uint32_t>(i - 1)) < key_of(static_cast<uint32_t>(i));
      if (!sorted) {
        std::stable_sort(order_.begin(), order_.end(),
                         [&](uint32_t a, uint32_t b) { return key_of(a) < key_of(b); });
        // Of equal keys (now adjacent, in arrival order) the last one stays.
        size_t kept = 0;
        for (size_t i = 0; i < n; ++i) {
          if (i + 1 < n && key_of(order_[i]) == key_of(order_[i + 1])) continue;
          order_[kept++] = order_[i];
        }
        order_.resize(kept);
      }
    }
    entries_bytes_.assign(out_, c.start, out_.size() - c.start);
    std::vector<std::pair<size_t, size_t>>& spans = spans_;
    spans.clear();
    for (uint32_t i : order_) spans.push_back(span(i));
    out_.resize(c.start);
    entries_.resize(c.first_entry);
    const uint64_t count = spans.size();
    out_.push_back(static_cast<char>(c.object ? kObject : kArray));
    PutVarint(out_, count);
    const size_t size_at = out_.size();
    out_.append(4, '\0');
    const size_t body = out_.size();
    const bool indexed = count > kIndexedAbove;
    if (indexed) out_.append(4 * count, '\0');
    for (size_t i = 0; i < spans.size(); ++i) {
      if (out_.size() - body > std::numeric_limits<uint32_t>::max()) return Fail("document too large");
      if (indexed) PutU32(out_, body + 4 * i, static_cast<uint32_t>(out_.size() - body));
      out_.append(entries_bytes_, spans[i].first, spans[i].second);
    }
    if (out_.size() - body > std::numeric_limits<uint32_t>::max()) return Fail("document too large");
    PutU32(out_, size_at, static_cast<uint32_t>(out_.size() - body));
    return End();
  }

  // A value is complete: dropped when its path is one to omit.
  bool End() {
    const size_t depth = open_.size();
    if (depth == 0 || depth >= 64 || (omit_depths_ & (uint64_t{1} << depth)) == 0) return true;
    for (const auto& path : omit_) {
      if (path.size() != depth) continue;
      bool match = true;
      for (size_t level = 0; level < depth && match; ++level) {
        const bool any = path[level] == "*";
        if (!open_[level].object) {
          match = any;
          continue;
        }
        if (any) continue;
        // The entry of this level that is being written: the last one it has.
        const size_t entry = level + 1 < depth ? open_[level + 1].first_entry - 1 : entries_.size() - 1;
        const unsigned char* p = reinterpret_cast<const unsigned char*>(out_.data()) + entries_[entry];
        match = ReadKey(p) == path[level];
      }
      if (match) {
        out_.resize(entries_.back());
        entries_.pop_back();
        return true;
      }
    }
    return true;
  }

  bool Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }

  std::string& out_;
  const std::vector<std::vector<std::string>>& omit_;
  uint64_t omit_depths_ = 0;  // bit d: some path to omit has d parts
  std::vector<Container> open_;
  std::vector<size_t> entries_;  // where each entry of every open container begins
  std::vector<uint32_t> order_;
  // Close's scratch, reused from one container to the next.
  std::vector<std::pair<size_t, size_t>> spans_;
  std::string entries_bytes_;
  std::string error_;
};

// JSON text (RFC 8259, as nlohmann::json reads it: UTF-8 checked, a leading byte-order mark
// skipped, numbers as int64/uint64/double by the same rules) into a CompactWriter. Iterative,
// so deep nesting cannot overflow the stack; nesting deeper than kMaxDepth is refused. Strings without escapes go to the
// writer straight from the text.
class TextParser {
 public:
  // As Kubernetes' own JSON decoding (Go's limit). Each level also copies what it holds once
  // when it closes, so the limit bounds that work too.
  static constexpr size_t kMaxDepth = 10000;

  TextParser(std::string_view text, CompactWriter& w)
      : p_(reinterpret_cast<const unsigned char*>(text.data())), begin_(p_), end_(p_ + text.size()), w_(w) {}

  // An empty string on success, else what is wrong.
  std::string Run() {
    if (end_ - p_ >= 3 && p_[0] == 0xEF && p_[1] == 0xBB && p_[2] == 0xBF) p_ += 3;
    std::vector<bool> stack;  // open containers: true for objects
    while (true) {
      // A value.
      SkipSpace();
      if (p_ == end_) return Error("unexpected end of input; expected a value");
      if ((*p_ == '{' || *p_ == '[') && stack.size() >= kMaxDepth) {
        return Error(kop::StrCat("nesting deeper than ", kMaxDepth, " levels"));
      }
      switch (*p_) {
        case '{':
          ++p_;
          w_.start_object(0);
          SkipSpace();
          if (p_ != end_ && *p_ == '}') {
            ++p_;
            if (!w_.end_object()) return Writer();
            break;
          }
          stack.push_back(true);
          if (std::string e = Key(); !e.empty()) return e;
          continue;
        case '[':
          ++p_;
          w_.start_array(0);
          SkipSpace();
          if (p_ != end_ && *p_ == ']') {
            ++p_;
            if (!w_.end_array()) return Writer();
            break;
          }
          stack.push_back(false);
          continue;
        case '"': {
          std::string_view v;
          if (std::string e = String(v); !e.empty()) return e;
          w_.string(v);
          break;
        }
        case 't':
          if (!Literal("true")) return Error("invalid literal");
          w_.boolean(true);
          break;
        case 'f':
          if (!Literal("false")) return Error("invalid literal");
          w_.boolean(false);
          break;
        case 'n':
          if (!Literal("null")) return Error("invalid literal");
          w_.null();
          break;
        default:
          if (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')) {
            if (std::string e = Number(); !e.empty()) return e;
            break;
          }
          return Error("unexpected character; expected a value");
      }
      // After a value: close what ends here, then find the next value.
      while (true) {
        SkipSpace();
        if (stack.empty()) {
          if (p_ != end_) return Error("unexpected character after the document");
          return "";
        }
        if (p_ == end_) return Error("unexpected end of input");
        const bool object = stack.back();
        if (*p_ == ',') {
          ++p_;
          if (object) {
            SkipSpace();
            if (std::string e = Key(); !e.empty()) return e;
          }
          break;
        }
        if (*p_ == (object ? '}' : ']')) {
          ++p_;
          stack.pop_back();
          if (!(object ? w_.end_object() : w_.end_array())) return Writer();
          continue;
        }
        return Error(object ? "expected ',' or '}'" : "expected ',' or ']'");
      }
    }
  }

 private:
  std::string Error(std::string_view what) const {
    return kop::StrCat("syntax error at byte ", p_ - begin_, ": ", what);
  }
  std::string Writer() const { return w_.error(); }

  // Between tokens. A NUL byte there ends the input, as it does for nlohmann::json (and so for
  // ParseJson): whatever follows it is not read.
  void SkipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
    if (p_ != end_ && *p_ == '\0') end_ = p_;
  }

  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  // A member's key and its colon; p_ at the key's quote.
  std::string Key() {
    if (p_ == end_ || *p_ != '"') return Error("expected a string as an object key");
    std::string_view k;
    if (std::string e = String(k); !e.empty()) return e;
    w_.key(k);
    SkipSpace();
    if (p_ == end_ || *p_ != ':') return Error("expected ':' after an object key");
    ++p_;
    return "";
  }

  int Hex4() {
    if (end_ - p_ < 4) return -1;
    int v = 0;
    for (int i = 0; i < 4; ++i) {
      const unsigned char c = p_[i];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        v |= c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        v |= c - 'A' + 10;
      } else {
        return -1;
      }
    }
    p_ += 4;
    return v;
  }

  // The bytes of a well-formed UTF-8 sequence starting at p_ (a byte >= 0x80), or 0.
  size_t Utf8Length() const {
    const unsigned char c = *p_;
    const auto n = static_cast<size_t>(end_ - p_);
    auto cont = [&](size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
      return i < n && p_[i] >= lo && p_[i] <= hi;
    };
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
    if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
    if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
    if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
    if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
    if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
    return 0;
  }

  void PutUtf8(uint32_t cp) {
    if (cp < 0x80) {
      token_.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      token_.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      token_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      token_.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      token_.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      token_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      token_.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      token_.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      token_.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      token_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // A string; p_ at its opening quote. `out` views the text itself when the string has no
  // escapes, else token_.
  std::string String(std::string_view& out) {
    ++p_;
    const unsigned char* start = p_;
    bool escaped = false;
    while (true) {
      // The plain run.
      const unsigned char* run = p_;
      while (p_ != end_ && *p_ >= 0x20 && *p_ != '"' && *p_ != '\\' && *p_ < 0x80) ++p_;
      if (escaped) token_.append(reinterpret_cast<const char*>(run), static_cast<size_t>(p_ - run));
      if (p_ == end_) return Error("unterminated string");
      const unsigned char c = *p_;
      if (c == '"') {
        out = escaped ? std::string_view(token_)
                      : std::string_view(reinterpret_cast<const char*>(start), static_cast<size_t>(p_ - start));
        ++p_;
        return "";
      }
      if (c < 0x20) return Error("control character in a string (it must be escaped)");
      if (c >= 0x80) {
        const size_t n = Utf8Length();
        if (n == 0) return Error("invalid UTF-8 in a string");
        if (escaped) token_.append(reinterpret_cast<const char*>(p_), n);
        p_ += n;
        continue;
      }
      // A backslash: from here on the string is built in token_.
      if (!escaped) {
        escaped = true;
        token_.assign(reinterpret_cast<const char*>(start), static_cast<size_t>(p_ - start));
      }
      ++p_;
      if (p_ == end_) return Error("unterminated string");
      switch (*p_++) {
        case '"': token_.push_back('"'); break;
        case '\\': token_.push_back('\\'); break;
        case '/': token_.push_back('/'); break;
        case 'b': token_.push_back('\b'); break;
        case 'f': token_.push_back('\f'); break;
        case 'n': token_.push_back('\n'); break;
        case 'r': token_.push_back('\r'); break;
        case 't': token_.push_back('\t'); break;
        case 'u': {
          int cp = Hex4();
          if (cp < 0) return Error("\\u must be followed by 4 hex digits");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') {
              return Error("a high surrogate must be followed by a low one");
            }
            p_ += 2;
            const int lo = Hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) return Error("a high surrogate must be followed by a low one");
            PutUtf8(0x10000 + ((static_cast<uint32_t>(cp) - 0xD800) << 10) + (static_cast<uint32_t>(lo) - 0xDC00));
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return Error("a low surrogate without a high one");
          } else {
            PutUtf8(static_cast<uint32_t>(cp));
          }
          break;
        }
        default:
          return Error("invalid escape in a string");
      }
    }
  }

  std::string Number() {
    const unsigned char* start = p_;
    bool integer = true;
    if (*p_ == '-') ++p_;
    auto digits = [&] {
      const unsigned char* d = p_;
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      return p_ != d;
    };
    if (p_ != end_ && *p_ == '0') {
      ++p_;
    } else if (!digits()) {
      return Error("invalid number");
    }
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      integer = false;
      if (!digits()) return Error("invalid number: a digit must follow '.'");
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      integer = false;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digits()) return Error("invalid number: a digit must follow the exponent");
    }
    const char* first = reinterpret_cast<const char*>(start);
    const char* last = reinterpret_cast<const char*>(p_);
    if (integer) {
      if (*start == '-') {
        int64_t v = 0;
        if (auto r = std::from_chars(first, last, v); r.ec == std::errc() && r.ptr == last) {
          w_.number_integer(v);
          return "";
        }
      } else {
        uint64_t v = 0;
        if (auto r = std::from_chars(first, last, v); r.ec == std::errc() && r.ptr == last) {
          w_.number_unsigned(v);
          return "";
        }
      }
    }
    // A fraction, an exponent, or an integer out of 64-bit range: a double, as strtod reads it
    // (underflow gives zero or a subnormal; overflow is an error).
    double d = 0;
    auto r = std::from_chars(first, last, d);
    if (r.ec == std::errc::result_out_of_range) {
      const std::string copy(first, last);
      d = std::strtod(copy.c_str(), nullptr);
    }
    if (!std::isfinite(d)) return Error("number out of range");
    w_.number_float(d);
    return "";
  }

  const unsigned char* p_;
  const unsigned char* const begin_;
  const unsigned char* end_;
  CompactWriter& w_;
  std::string token_;
};

}  // namespace

absl::StatusOr<CompactJson> CompactJson::Parse(std::string_view text,
                                               const std::vector<std::vector<std::string>>& omit) {
  thread_local std::string scratch;
  scratch.clear();
  CompactWriter writer(scratch, omit);
  if (std::string error = TextParser(text, writer).Run(); !error.empty()) {
    return absl::InvalidArgumentError(kop::StrCat("invalid JSON: ", error));
  }
  if (scratch.size() > std::numeric_limits<uint32_t>::max()) {
    return absl::InvalidArgumentError("invalid JSON: document too large");
  }
  CompactJson out = FromBytes(scratch);
  if (scratch.capacity() > (1 << 20)) std::string().swap(scratch);
  return out;
}

CompactJson CompactJson::Copy(const JsonView& v) {
  if (v.tree_ != nullptr) return Encode(*v.tree_);
  if (v.data_ == nullptr) return CompactJson();
  return FromBytes(std::string_view(reinterpret_cast<const char*>(v.data_),
                                    static_cast<size_t>(Skip(v.data_) - v.data_)));
}

// ---- CompactJson ----

struct CompactJson::Rep {
  std::atomic<uint32_t> refs;
  uint32_t size;
  unsigned char* data() { return reinterpret_cast<unsigned char*>(this + 1); }
};

CompactJson CompactJson::Encode(const Json& j) {
  thread_local std::string scratch;
  scratch.clear();
  EncodeValue(j, scratch);
  CompactJson out;
  if (scratch.size() <= std::numeric_limits<uint32_t>::max()) out = FromBytes(scratch);
  // Keep the scratch buffer from pinning the largest document ever encoded.
  if (scratch.capacity() > (1 << 20)) std::string().swap(scratch);
  return out;
}

CompactJson CompactJson::FromBytes(std::string_view bytes) {
  CompactJson out;
  void* mem = ::operator new(sizeof(Rep) + bytes.size());
  out.rep_ = new (mem) Rep{{1}, static_cast<uint32_t>(bytes.size())};
  std::memcpy(out.rep_->data(), bytes.data(), bytes.size());
  return out;
}

CompactJson& CompactJson::operator=(const CompactJson& other) {
  if (this != &other) {
    other.Ref();
    Unref();
    rep_ = other.rep_;
  }
  return *this;
}

CompactJson& CompactJson::operator=(CompactJson&& other) noexcept {
  if (this != &other) {
    Unref();
    rep_ = std::exchange(other.rep_, nullptr);
  }
  return *this;
}

void CompactJson::Ref() const {
  if (rep_ != nullptr) rep_->refs.fetch_add(1, std::memory_order_relaxed);
}

void CompactJson::Unref() {
  if (rep_ != nullptr && rep_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    rep_->~Rep();
    ::operator delete(rep_);
  }
  rep_ = nullptr;
}

JsonView CompactJson::view() const { return rep_ == nullptr ? JsonView() : JsonView(rep_->data()); }

size_t CompactJson::size() const { return rep_ == nullptr ? 0 : rep_->size; }

}  // namespace kop
