// The compact writer: builds a compact document from values handed to it in document order
// (what the text parser reads), without a tree.
#ifndef KOP_API_INTERNAL_COMPACT_WRITER_H_
#define KOP_API_INTERNAL_COMPACT_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kop/api/internal/compact_format.h"

namespace kop::compact {

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

}  // namespace kop::compact

#endif  // KOP_API_INTERNAL_COMPACT_WRITER_H_
