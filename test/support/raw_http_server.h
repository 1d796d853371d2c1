// A scripted HTTP/1.1 server on 127.0.0.1 for unit tests of the transport: each request it
// reads is recorded and answered by the next scripted action (raw response bytes, or dropping
// the connection without an answer), in the order the requests arrive, whichever connection
// they come on (each has its own thread). With nothing scripted it answers 404.
#ifndef KOP_TEST_SUPPORT_RAW_HTTP_SERVER_H_
#define KOP_TEST_SUPPORT_RAW_HTTP_SERVER_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "kop/base/mutex.h"

namespace kop::test {

class RawHttpServer {
 public:
  struct Request {
    std::string method;
    std::string path;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
  };
  struct Action {
    std::string bytes;  // written as is
    bool drop = false;  // close the connection instead of answering
  };

  RawHttpServer() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(listen_fd_, 16);
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~RawHttpServer() {
    {
      kop::MutexLock lock(&mu_);
      done_ = true;
    }
    thread_.join();
    close(listen_fd_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // A complete answer with a body (Content-Length).
  void Respond(int code, std::string body, std::vector<std::string> headers = {}) {
    std::string out = "HTTP/1.1 " + std::to_string(code) + " X\r\nContent-Type: application/json\r\n";
    for (const std::string& h : headers) out += h + "\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    Push({.bytes = std::move(out)});
  }
  // A chunked answer, each piece one chunk, then the end of the body.
  void RespondChunked(int code, const std::vector<std::string>& pieces) {
    std::string out = "HTTP/1.1 " + std::to_string(code) + " X\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (const std::string& p : pieces) {
      char size[32];
      std::snprintf(size, sizeof size, "%zx\r\n", p.size());
      out += size + p + "\r\n";
    }
    out += "0\r\n\r\n";
    Push({.bytes = std::move(out)});
  }
  void Drop() { Push({.drop = true}); }

  std::vector<Request> requests() const {
    kop::MutexLock lock(&mu_);
    return requests_;
  }

 private:
  void Push(Action a) {
    kop::MutexLock lock(&mu_);
    actions_.push_back(std::move(a));
  }
  bool done() {
    kop::MutexLock lock(&mu_);
    return done_;
  }
  // Waits for readability, checking now and then whether the server is being destroyed.
  bool Readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    while (!done()) {
      if (poll(&p, 1, 20) > 0) return true;
    }
    return false;
  }
  void Serve() {
    std::vector<std::thread> connections;
    while (Readable(listen_fd_)) {
      const int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd >= 0) connections.emplace_back([this, fd] { Connection(fd); });
    }
    for (std::thread& c : connections) c.join();
  }
  // One connection, kept alive for as long as the client wants.
  void Connection(int fd) {
    {
      std::string buffer;
      bool open = true;
      while (open) {
        Request r;
        if (!ReadRequest(fd, buffer, r)) break;
        Action a{.bytes = "HTTP/1.1 404 X\r\nContent-Length: 2\r\n\r\n{}"};
        {
          kop::MutexLock lock(&mu_);
          requests_.push_back(r);
          if (!actions_.empty()) {
            a = std::move(actions_.front());
            actions_.pop_front();
          }
        }
        if (a.drop) break;
        size_t sent = 0;
        while (sent < a.bytes.size()) {
          const ssize_t n = send(fd, a.bytes.data() + sent, a.bytes.size() - sent, MSG_NOSIGNAL);
          if (n <= 0) {
            open = false;
            break;
          }
          sent += static_cast<size_t>(n);
        }
      }
    }
    close(fd);
  }
  bool ReadMore(int fd, std::string& buffer) {
    if (!Readable(fd)) return false;
    char chunk[4096];
    const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
    return true;
  }
  bool ReadRequest(int fd, std::string& buffer, Request& r) {
    size_t end;
    while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!ReadMore(fd, buffer)) return false;
    }
    const std::string head = buffer.substr(0, end);
    buffer.erase(0, end + 4);
    size_t line_end = head.find("\r\n");
    const std::string first = head.substr(0, line_end);
    r.method = first.substr(0, first.find(' '));
    r.path = first.substr(first.find(' ') + 1, first.rfind(' ') - first.find(' ') - 1);
    while (line_end != std::string::npos) {
      const size_t next = head.find("\r\n", line_end + 2);
      const std::string line = head.substr(line_end + 2, next == std::string::npos ? std::string::npos : next - line_end - 2);
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
      }
      line_end = next;
    }
    const size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    while (buffer.size() < length) {
      if (!ReadMore(fd, buffer)) return false;
    }
    r.body = buffer.substr(0, length);
    buffer.erase(0, length);
    return true;
  }

  int listen_fd_ = -1;
  int port_ = 0;
  mutable kop::Mutex mu_;  // guards actions_, requests_ and done_
  std::deque<Action> actions_ ABSL_GUARDED_BY(mu_);
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace kop::test

#endif  // KOP_TEST_SUPPORT_RAW_HTTP_SERVER_H_
