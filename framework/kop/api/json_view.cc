#include "kop/api/json_view.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#include "kop/api/internal/compact_format.h"
#include "kop/base/strings.h"

namespace kop {

using namespace compact;  // NOLINT: the format's helpers, in this file only


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
