#include "kop/api/json_view.h"

#include <algorithm>
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

// nlohmann::json's SAX events, written as they come: scalars in place; a container's entries
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
  bool number_float(double v, const std::string&) {
    Begin();
    out_.push_back(static_cast<char>(kDouble));
    out_.append(reinterpret_cast<const char*>(&v), sizeof v);
    return End();
  }
  bool string(std::string& v) {
    Begin();
    out_.push_back(static_cast<char>(kString));
    PutVarint(out_, v.size());
    out_.append(v);
    return End();
  }
  bool binary(Json::binary_t&) { return Fail("binary values are not JSON"); }
  bool start_object(size_t) { return Open(true); }
  bool key(std::string& k) {
    entries_.push_back(out_.size());
    PutVarint(out_, k.size());
    out_.append(k);
    return true;
  }
  bool end_object() { return Close(); }
  bool start_array(size_t) { return Open(false); }
  bool end_array() { return Close(); }
  bool parse_error(size_t, const std::string&, const nlohmann::detail::exception& e) {
    return Fail(e.what());
  }

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
    std::vector<std::pair<size_t, size_t>> spans;
    spans.reserve(order_.size());
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
  std::string entries_bytes_;
  std::string error_;
};

}  // namespace

absl::StatusOr<CompactJson> CompactJson::Parse(std::string_view text,
                                               const std::vector<std::vector<std::string>>& omit) {
  thread_local std::string scratch;
  scratch.clear();
  CompactWriter writer(scratch, omit);
  bool ok = false;
  try {
    ok = Json::sax_parse(text.begin(), text.end(), &writer);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(kop::StrCat("invalid JSON: ", e.what()));
  }
  if (!ok || scratch.empty()) {
    return absl::InvalidArgumentError(
        kop::StrCat("invalid JSON: ", writer.error().empty() ? "no value" : writer.error()));
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
