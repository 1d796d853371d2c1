#include "kop/client/watch_decoder.h"

#include "catch2/catch.hpp"
#include "kop/client/errors.h"

namespace kop::client {
namespace {

std::string Event(const char* type, const std::string& name, const std::string& rv) {
  return std::string(R"({"type":")") + type + R"(","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" +
         name + R"(","resourceVersion":")" + rv + "\"}}}\n";
}

TEST_CASE("events split at every byte boundary decode the same") {
  const std::string stream = Event("ADDED", "a", "1") + "\n" + Event("MODIFIED", "a", "2") +
                             Event("DELETED", "a", "3");
  const bool compact = GENERATE(false, true);
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    WatchDecoder d;
    if (compact) d.DecodeCompact();
    std::vector<WatchEvent> events;
    REQUIRE(d.Feed(std::string_view(stream).substr(0, cut), &events).ok());
    REQUIRE(d.Feed(std::string_view(stream).substr(cut), &events).ok());
    REQUIRE(d.Finish().ok());
    REQUIRE(events.size() == 3);
    CHECK(events[0].type == WatchEvent::Type::kAdded);
    CHECK(events[1].type == WatchEvent::Type::kModified);
    CHECK(events[2].type == WatchEvent::Type::kDeleted);
    CHECK(events[2].object.resource_version() == "3");
    CHECK(events[2].object.is_compact() == compact);
  }
}

TEST_CASE("byte-at-a-time feeding yields each event once, when complete") {
  const std::string stream = Event("ADDED", "a", "1") + Event("ADDED", "b", "2");
  WatchDecoder d;
  std::vector<WatchEvent> events;
  for (char c : stream) {
    REQUIRE(d.Feed(std::string_view(&c, 1), &events).ok());
  }
  REQUIRE(events.size() == 2);
  CHECK(events[1].object.name() == "b");
}

TEST_CASE("several events in one chunk and blank keep-alive lines") {
  WatchDecoder d;
  std::vector<WatchEvent> events;
  REQUIRE(d.Feed("\n\r\n" + Event("ADDED", "a", "1") + "\n\n" + Event("BOOKMARK", "", "9"), &events).ok());
  REQUIRE(events.size() == 2);
  CHECK(events[1].type == WatchEvent::Type::kBookmark);
  CHECK(events[1].object.resource_version() == "9");
}

TEST_CASE("an ERROR event carries its Status as an error") {
  WatchDecoder d;
  if (GENERATE(false, true)) d.DecodeCompact();
  std::vector<WatchEvent> events;
  REQUIRE(d.Feed(R"json({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}})json" "\n", &events).ok());
  REQUIRE(events.size() == 1);
  CHECK(events[0].type == WatchEvent::Type::kError);
  CHECK(IsResourceExpired(events[0].error));
  CHECK(events[0].error.message() == "too old resource version: 1 (5)");
}

TEST_CASE("malformed events are errors naming what is wrong") {
  struct Case {
    const char* line;
    const char* want;
  } cases[] = {
      {"{not json\n", "malformed event"},
      {"[1,2]\n", "not an object"},
      {R"({"object":{}})" "\n", "without a type"},
      {R"({"type":"ADDED"})" "\n", "without an object"},
      {R"({"type":"ADDED","object":"x"})" "\n", "without an object"},
      {R"({"type":"EXPLODED","object":{}})" "\n", "unknown event type"},
  };
  const bool compact = GENERATE(false, true);
  for (const Case& c : cases) {
    INFO(c.line);
    WatchDecoder d;
    if (compact) d.DecodeCompact();
    std::vector<WatchEvent> events;
    absl::Status s = d.Feed(c.line, &events);
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find(c.want) != std::string_view::npos);
  }
}

TEST_CASE("compact decoding gives compact objects without the members left out") {
  const std::string line =
      R"({"object":{"metadata":{"resourceVersion":"5","name":"a","managedFields":[{"manager":"m"}],)"
      R"("labels":{"x":"y"}},"kind":"ConfigMap","apiVersion":"v1","data":{"managedFields":"kept"}},)"
      R"("type":"MODIFIED"})"
      "\n";
  WatchDecoder trees;
  std::vector<WatchEvent> expected;
  REQUIRE(trees.Feed(line, &expected).ok());
  REQUIRE(expected.size() == 1);
  expected[0].object.ClearManagedFields();
  WatchDecoder d;
  d.DecodeCompact({{"metadata", "managedFields"}});
  std::vector<WatchEvent> events;
  REQUIRE(d.Feed(line, &events).ok());
  REQUIRE(events.size() == 1);
  CHECK(events[0].type == WatchEvent::Type::kModified);
  CHECK(events[0].object.is_compact());
  CHECK_FALSE(events[0].object.FindView({"metadata", "managedFields"}).exists());
  CHECK(events[0].object.GetString({"data", "managedFields"}).value_or("") == "kept");
  CHECK(events[0].object == expected[0].object);
  CHECK(events[0].object.json() == expected[0].object.json());
  CHECK(events[0].object.name() == "a");
  CHECK(events[0].object.label("x") == "y");
}

TEST_CASE("a stream cut inside an event is reported at the end") {
  WatchDecoder d;
  std::vector<WatchEvent> events;
  const std::string full = Event("ADDED", "a", "1");
  REQUIRE(d.Feed(full + full.substr(0, 20), &events).ok());
  CHECK(events.size() == 1);
  absl::Status s = d.Finish();
  CHECK(s.code() == absl::StatusCode::kDataLoss);
}

TEST_CASE("objects larger than 16 MiB decode") {
  const std::string big(17 << 20, 'x');
  const std::string line = R"({"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"k":")" +
                           big + "\"}}}\n";
  WatchDecoder d;
  std::vector<WatchEvent> events;
  for (size_t off = 0; off < line.size(); off += 1 << 20) {
    REQUIRE(d.Feed(std::string_view(line).substr(off, 1 << 20), &events).ok());
  }
  REQUIRE(events.size() == 1);
  CHECK(events[0].object.GetString({"data", "k"}).value().size() == big.size());
}

TEST_CASE("an event over the size limit is refused instead of buffered forever") {
  WatchDecoder d(1024);
  std::vector<WatchEvent> events;
  absl::Status s = d.Feed(std::string(2048, 'x'), &events);
  CHECK_FALSE(s.ok());
}

TEST_CASE("an ERROR event whose Status has fields of the wrong type is still an error, not a crash") {
  // Found by fuzz_watch_decoder: "code" as a string threw out of the decoder.
  const bool compact = GENERATE(false, true);
  for (const char* status : {R"({"kind":"Status","code":"Status","message":7,"reason":["x"]})",
                             R"({"kind":"Status","code":1e300})", R"({"kind":"Status","code":-3})",
                             R"({"kind":7,"code":410,"reason":"Expired"})"}) {
    INFO(status);
    WatchDecoder d;
    if (compact) d.DecodeCompact();
    std::vector<WatchEvent> events;
    REQUIRE(d.Feed(std::string(R"({"type":"ERROR","object":)") + status + "}\n", &events).ok());
    REQUIRE(events.size() == 1);
    CHECK(events[0].type == WatchEvent::Type::kError);
    CHECK_FALSE(events[0].error.ok());
  }
}

TEST_CASE("an error body with mistyped Status fields keeps the HTTP code and a message") {
  absl::Status s = ApiErrorFromResponse(409, R"({"kind":"Status","message":{"no":1},"reason":5})");
  CHECK_FALSE(s.ok());
  CHECK(HttpCode(s) == 409);
  CHECK_FALSE(std::string(s.message()).empty());
}

}  // namespace
}  // namespace kop::client
