// kop/api/json_view: a compact, immutable JSON document and a read-only view over it.
//
// A cache holding tens of thousands of objects pays for nlohmann::json's shape: a map node per
// key and a heap string per value, about 3x the JSON text. `CompactJson` encodes a document in
// one allocation (about the size of its text) that copies by reference count; `JsonView` reads
// either representation (a `Json` tree or a `CompactJson`) without decoding or copying.
//
//   kop::CompactJson doc = kop::CompactJson::Encode(json);
//   kop::JsonView v = doc.view()["metadata"]["labels"];
//   for (const auto& [key, value] : v.items()) Use(key, value.get_string());
//   kop::Json tree = doc.view().ToJson();   // decodes when a tree is really needed
//
// Encoding (all integers little-endian, lengths as LEB128 varints): one tag byte per value;
// null/false/true carry nothing; integers a zigzag varint; unsigned a varint; doubles 8 bytes;
// strings length + bytes; arrays and objects a count, the byte size of their body, and for
// more than 8 entries a table of 4-byte entry offsets, then the entries (objects: key length,
// key bytes, value). Object keys keep nlohmann::json's order (sorted bytewise), so lookups in
// large objects are binary searches.
//
// Thread-safety: immutable; any number of threads may read a CompactJson and its views.
// A view is valid as long as the document (or Json tree) it was taken from.
#ifndef KOP_API_JSON_VIEW_H_
#define KOP_API_JSON_VIEW_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/api/json.h"

namespace kop {

class JsonView;

// One member of an object (key and value) or element of an array (key empty).
struct JsonMember;

class JsonView {
 public:
  class Iterator;
  class Range;

  // An absent value: exists() is false, every lookup is absent too.
  JsonView() = default;
  // A view of a tree; `j` must outlive the view.
  explicit JsonView(const Json& j) : tree_(&j) {}

  bool exists() const { return tree_ != nullptr || data_ != nullptr; }
  explicit operator bool() const { return exists(); }

  // The value's type; value_t::discarded when absent.
  Json::value_t type() const;
  bool is_null() const { return type() == Json::value_t::null; }
  bool is_boolean() const { return type() == Json::value_t::boolean; }
  bool is_string() const { return type() == Json::value_t::string; }
  bool is_object() const { return type() == Json::value_t::object; }
  bool is_array() const { return type() == Json::value_t::array; }
  bool is_number_unsigned() const { return type() == Json::value_t::number_unsigned; }
  bool is_number_integer() const;  // signed or unsigned, as nlohmann::json counts them
  bool is_number_float() const { return type() == Json::value_t::number_float; }
  bool is_number() const { return is_number_integer() || is_number_float(); }

  // Typed reads; a value of another type reads as empty / zero / false.
  std::string_view get_string() const;
  int64_t get_int64() const;  // integers (unsigned ones wrap, as static_cast does)
  uint64_t get_uint64() const;
  double get_double() const;  // any number
  bool get_bool() const;

  // Members of an object or elements of an array; 0 for anything else.
  size_t size() const;
  bool empty() const { return size() == 0; }
  // The member `key` of an object; absent when missing or when this is not an object.
  JsonView find(std::string_view key) const;
  JsonView operator[](std::string_view key) const { return find(key); }
  JsonView operator[](const char* key) const { return find(key); }
  // Element `index` of an array; absent when out of range or not an array.
  JsonView at(size_t index) const;
  // Members of an object or elements of an array, in order; empty for anything else.
  Range items() const;

  // Decodes into a tree (null when absent).
  Json ToJson() const;
  // Compact JSON text, as DumpJson writes it ("" when absent).
  std::string Dump() const;

  // Structural equality with nlohmann::json's rules (1 == 1.0; objects compare as maps).
  friend bool operator==(const JsonView& a, const JsonView& b);

 private:
  friend class CompactJson;
  friend class Iterator;
  explicit JsonView(const unsigned char* data) : data_(data) {}

  const Json* tree_ = nullptr;
  const unsigned char* data_ = nullptr;
};

struct JsonMember {
  std::string_view key;
  JsonView value;
};

class JsonView::Iterator {
 public:
  using value_type = JsonMember;
  using difference_type = std::ptrdiff_t;

  const JsonMember& operator*() const { return current_; }
  const JsonMember* operator->() const { return &current_; }
  Iterator& operator++();
  friend bool operator==(const Iterator& a, const Iterator& b) {
    return a.remaining_ == b.remaining_;
  }

 private:
  friend class JsonView;
  friend class JsonView::Range;
  void Load();

  // Tree mode: iterators into the object or array; compact mode: the next entry's bytes.
  const Json* tree_ = nullptr;
  Json::const_iterator it_;
  const unsigned char* next_ = nullptr;
  bool object_ = false;
  size_t remaining_ = 0;
  JsonMember current_;
};

class JsonView::Range {
 public:
  Iterator begin() const { return begin_; }
  Iterator end() const { return Iterator(); }

 private:
  friend class JsonView;
  Iterator begin_;
};

// "object", "array", "string", "integer", "number", "boolean", "null" ("absent" when absent).
std::string_view JsonTypeName(const JsonView& v);

class CompactJson {
 public:
  // An empty document: view() is absent.
  CompactJson() = default;
  static CompactJson Encode(const Json& j);
  // Parses JSON text straight into the compact form, with no tree in between (several times
  // faster than nlohmann::json's parser; ParseJson uses it too). The text is checked as
  // nlohmann::json checks it (UTF-8, escapes, numbers as int64, uint64 or double, a leading
  // byte-order mark skipped, a NUL byte between tokens ending the input) and reads the same
  // (a repeated key keeps its last value). `omit` lists members to leave out,
  // each a path of object keys from the root, where "*" also matches any key or array element
  // ({"items", "*", "metadata", "managedFields"}). InvalidArgument naming the problem.
  static absl::StatusOr<CompactJson> Parse(std::string_view text,
                                           const std::vector<std::vector<std::string>>& omit = {});
  // A document of its own holding (a copy of) the value `v` views; empty when `v` is absent.
  static CompactJson Copy(const JsonView& v);

  CompactJson(const CompactJson& other) : rep_(other.rep_) { Ref(); }
  CompactJson(CompactJson&& other) noexcept : rep_(std::exchange(other.rep_, nullptr)) {}
  CompactJson& operator=(const CompactJson& other);
  CompactJson& operator=(CompactJson&& other) noexcept;
  ~CompactJson() { Unref(); }

  bool empty() const { return rep_ == nullptr; }
  JsonView view() const;
  // Bytes of the encoding (not counting the allocation's small header).
  size_t size() const;

 private:
  struct Rep;
  static CompactJson FromBytes(std::string_view bytes);
  void Ref() const;
  void Unref();
  Rep* rep_ = nullptr;
};

}  // namespace kop

#endif  // KOP_API_JSON_VIEW_H_
