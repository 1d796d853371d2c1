// Watch streams of the embedded API server: chunked JSON events, bookmarks, timeouts, faults.
#include <algorithm>
#include <string>
#include <vector>

#include "kop/api/json.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/testing/internal/server.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include "civetweb.h"
#include "kop/testing/internal/table.h"

namespace kop::testing {

using internal::ErrorResponse;
using internal::JsonResponse;
using internal::ResourceInfo;
using internal::Response;
using internal::StoredObject;
using internal::AddDateHeader;
// ---------------------------------------------------------------------------------------
// Watch

void ApiServer::Impl::ServeWatch(const Target& t, const Request& req) {
  mg_connection* conn = req.conn;
  absl::StatusOr<internal::ListOptions> o = ParseListOptions(t, req);
  if (!o.ok()) {
    Send(conn, ErrorResponse(o.status()));
    return;
  }
  auto q = [&](const char* k) -> std::string {
    auto it = req.query.find(k);
    return it == req.query.end() ? "" : it->second;
  };
  const std::string rv = q("resourceVersion");
  if (!rv.empty() && rv.find_first_not_of("0123456789") != std::string::npos) {
    Send(conn, ErrorResponse(internal::BadRequest(
                   kop::StrCat("resourceVersion: Invalid value: \"", rv, "\": must be a number"))));
    return;
  }
  const bool bookmarks = q("allowWatchBookmarks") == "true" || q("allowWatchBookmarks") == "1";
  const internal::Representation rep = internal::Negotiate(req.accept, false);
  // YAML has no stream framing: a watch is never served in it.
  if (rep == internal::Representation::kNotAcceptable || rep == internal::Representation::kNotAcceptableConversion ||
      internal::PrefersYaml(req.accept)) {
    Send(conn, internal::ErrorResponse(internal::ApiError(406, "NotAcceptable", "the watch cannot be served in the requested media type")));
    return;
  }
  auto now = std::chrono::steady_clock::now;
  auto end = now() + options_.max_watch_duration;
  if (const std::string ts = q("timeoutSeconds"); !ts.empty()) {
    char* e = nullptr;
    const long long secs = std::strtoll(ts.c_str(), &e, 10);
    if (*e != '\0' || secs < 0) {
      Send(conn, ErrorResponse(internal::BadRequest(kop::StrCat("timeoutSeconds: Invalid value: \"", ts, "\""))));
      return;
    }
    end = std::min(end, now() + std::chrono::seconds(secs));
  }
  internal::WatchFilter filter{o->namespace_, std::move(o->labels), std::move(o->fields)};
  std::shared_ptr<internal::Watcher> watcher = store_.Watch(t.info, std::move(filter), rv);

  mg_response_header_start(conn, 200);
  const std::string content_type(internal::ContentTypeOf(rep, false));
  mg_response_header_add(conn, "Content-Type", content_type.c_str(), -1);
  mg_response_header_add(conn, "Transfer-Encoding", "chunked", -1);
  mg_response_header_add(conn, "Cache-Control", "no-cache, private", -1);
  mg_response_header_add(conn, "Connection", "close", -1);
  AddDateHeader(conn);
  mg_response_header_send(conn);

  auto next_bookmark = now() + options_.bookmark_interval;
  // Under load, flush at most once per interval so that events batch into fewer writes;
  // an idle watch still delivers the first event at once.
  const auto kMinFlushInterval = options_.watch_flush_interval;
  auto last_flush = now() - kMinFlushInterval;
  std::string out;
  std::string chunk;
  bool open = true;
  bool cut = false;
  while (open && !stopping_) {
    if (const auto since = now() - last_flush; since < kMinFlushInterval) {
      std::this_thread::sleep_for(kMinFlushInterval - since);
    }
    {
      // A stalled stream sends nothing; its watcher fills up and is closed by the store.
      kop::MutexLock lock(&faults_mu_);
      while (stalled_ && !stopping_ && !watcher->IsClosed()) {
        unstalled_.WaitUntil(&faults_mu_, now() + std::chrono::milliseconds(50));
      }
      if (stalled_ && watcher->IsClosed()) break;
    }
    out.clear();
    const auto deadline = std::min(end, bookmarks ? next_bookmark : end);
    open = watcher->WaitAndDrain(deadline, &out, &cut);
    if (rep != internal::Representation::kObject && !cut && !out.empty()) {
      try {
        out = ConvertEvents(*t.info, out, req, rep);
      } catch (const std::exception&) {
        break;  // a server bug (see Handle): the watch ends, the client re-watches
      }
    }
    if (!out.empty()) {
      // One chunk, framed here, in one write.
      char size[24];
      const int n = std::snprintf(size, sizeof size, "%zx\r\n", out.size());
      chunk.assign(size, static_cast<size_t>(n));
      chunk += out;
      chunk += "\r\n";
      if (mg_write(conn, chunk.data(), chunk.size()) <= 0) break;  // the client went away
      last_flush = now();
    }
    if (cut) {
      // A cut connection: after half an event the byte stream stops making sense, which a
      // client sees as a transport error in the middle of an event.
      mg_write(conn, "\r\nX-cut\r\n", 10);
      break;
    }
    const auto t_now = now();
    if (t_now >= end) break;
    if (bookmarks && t_now >= next_bookmark) {
      store_.Bookmark(watcher);
      next_bookmark = t_now + options_.bookmark_interval;
    }
  }
  store_.Unwatch(watcher);
  watcher->Close();
  if (!cut) mg_send_chunk(conn, "", 0);
}

}  // namespace kop::testing
