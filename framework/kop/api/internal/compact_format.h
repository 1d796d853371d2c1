// The compact JSON encoding's format, shared by the view (json_view.cc), the encoder and
// decoder of trees (compact_format.cc) and the writer the text parser feeds
// (internal/compact_writer.h). Nothing outside kop/api includes it.
//
// A value is a tag byte, then: nothing (null, false, true); a zig-zag varint (int); a varint
// (uint); 8 bytes (double); a varint length and the bytes (string); for arrays and objects a
// varint count, a 4-byte body size, an offset table when the count exceeds kIndexedAbove,
// then the entries (objects: varint key length, key bytes, value; keys sorted).
#ifndef KOP_API_INTERNAL_COMPACT_FORMAT_H_
#define KOP_API_INTERNAL_COMPACT_FORMAT_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "kop/api/json.h"

namespace kop::compact {

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

inline void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

inline uint64_t GetVarint(const unsigned char*& p) {
  uint64_t v = 0;
  int shift = 0;
  while (*p & 0x80) {
    v |= static_cast<uint64_t>(*p++ & 0x7f) << shift;
    shift += 7;
  }
  v |= static_cast<uint64_t>(*p++) << shift;
  return v;
}

inline void PutZigZag(std::string& out, int64_t v) {
  PutVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

inline int64_t GetZigZag(const unsigned char*& p) {
  const uint64_t z = GetVarint(p);
  return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
}

inline void PutU32(std::string& out, size_t at, uint32_t v) { std::memcpy(out.data() + at, &v, sizeof v); }

inline uint32_t GetU32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

struct Header {
  uint64_t count;
  const unsigned char* body;
  uint32_t body_size;
};

inline Header ReadHeader(const unsigned char* p) {
  ++p;
  Header h;
  h.count = GetVarint(p);
  h.body_size = GetU32(p);
  h.body = p + 4;
  return h;
}

inline const unsigned char* FirstEntry(const Header& h) {
  return h.count > kIndexedAbove ? h.body + 4 * h.count : h.body;
}

inline const unsigned char* Skip(const unsigned char* p) {
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

inline std::string_view ReadKey(const unsigned char*& p) {
  const uint64_t n = GetVarint(p);
  std::string_view key(reinterpret_cast<const char*>(p), n);
  p += n;
  return key;
}

// Appends the encoding of a tree.
void EncodeValue(const Json& j, std::string& out);
// The tree of the value at `p`.
Json Decode(const unsigned char* p);

}  // namespace kop::compact

#endif  // KOP_API_INTERNAL_COMPACT_FORMAT_H_
