#include "kop/api/internal/compact_format.h"

namespace kop::compact {
namespace {


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

}  // namespace

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

}  // namespace kop::compact
