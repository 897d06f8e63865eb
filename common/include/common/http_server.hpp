#pragma once
// The public HTTP/1.1 front of the appliance (port 80 plain, 443 and 8443
// over TLS), on Boost.Beast: event-driven I/O on a thread per core, with
// handlers that may block (a TPM quote, a call to PayPal) run on a small
// worker pool so that they never stall the I/O threads.
//
// Every port is bounded, so that no client can cost the others anything
// (nginx's client_header_timeout, large_client_header_buffers,
// client_max_body_size and limit_conn, in one place):
// - the request line and headers: at most max_head_bytes and
//   max_header_fields (431), read within head_timeout of the connection's
//   start (or of the previous response: idle_timeout), whatever the pace;
// - the TLS handshake within handshake_timeout;
// - a body only with Content-Length <= max_body_bytes (413), checked before
//   a byte of it is read; Transfer-Encoding is refused (chunked 411, others
//   501), and so is any Content-Encoding but identity (415);
// - at most max_requests_per_connection per connection;
// - concurrent connections per client address and in total: past a cap a new
//   connection is closed at once and counted, never queued;
// - requests waiting for a worker: past max_queued_requests, 503.
// stop() stops accepting, closes idle connections, lets requests in flight
// finish within shutdown_grace, then run() returns.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/error.hpp"
#include "common/http_head.hpp"
#include "common/http_message.hpp"
#include "common/tls_identity.hpp"

namespace common::http {

using Handler = std::function<void(const Request&, Response&)>;

// Where a handler runs: on the I/O thread (it must not block: a constant
// document, a lookup) or on the worker pool (it may wait on a TPM or the
// network).
enum class Dispatch { io_thread, worker };

class Router {
 public:
  // GET routes answer HEAD as well (without the body).
  void get(const std::string& path, Handler handler, Dispatch dispatch = Dispatch::worker);
  void post(const std::string& path, Handler handler, Dispatch dispatch = Dispatch::worker);
  // Answers every request no route matches (any method, any path),
  // instead of 404/405.
  void fallback(Handler handler, Dispatch dispatch = Dispatch::worker) {
    fallback_ = Route{std::move(handler), dispatch};
  }
  // Added to every response, the server's own refusals included.
  void set_default_headers(Headers headers) { default_headers_ = std::move(headers); }
  // Fills the body of a response the server makes itself (404, 405, 413,
  // 431...); the default is "<status> <reason>\n" as text/plain.
  void set_error_handler(std::function<void(int status, Response&)> handler) {
    error_handler_ = std::move(handler);
  }

  struct Route {
    Handler handler;
    Dispatch dispatch = Dispatch::worker;
  };
  // nullptr with *path_known telling 405 (known path) from 404.
  const Route* find(std::string_view method, std::string_view path, bool* path_known) const;
  Response error(int status) const;
  const Headers& default_headers() const { return default_headers_; }

 private:
  std::map<std::string, std::map<std::string, Route, std::less<>>, std::less<>> routes_;
  Headers default_headers_;
  std::function<void(int, Response&)> error_handler_;
  std::optional<Route> fallback_;
};

struct ServerOptions {
  std::size_t max_head_bytes = 16U << 10;
  std::size_t max_header_fields = 100;
  std::size_t max_body_bytes = 64U << 10;
  HeadLimits head_limits() const { return {max_head_bytes, max_header_fields, max_body_bytes}; }
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds head_timeout{10};
  std::chrono::seconds body_timeout{10};
  std::chrono::seconds idle_timeout{15};
  std::chrono::seconds write_timeout{10};
  std::size_t max_requests_per_connection = 1000;
  // An idle TLS connection costs about 75 KiB of RSS here (measured by
  // authd/bench/bench.sh on a fresh authd, docs/benchmarks.md): 2048 of them
  // are 150 MiB, which an e2-micro's 1 GB holds for both TLS daemons at once. 256 per address still lets a
  // large NAT, or a benchmark from one host, through.
  std::size_t max_connections = 2048;
  std::size_t max_connections_per_address = 256;
  std::size_t io_threads = 0;  // 0: one per core
  std::size_t worker_threads = 8;
  std::size_t max_queued_requests = 256;
  std::chrono::seconds shutdown_grace{10};
  // How often freed heap pages go back to the kernel (malloc_trim); 0: never.
  std::chrono::seconds heap_trim_interval{10};
};

struct ServerStats {
  std::uint64_t connections = 0;          // accepted and served
  std::uint64_t refused_connections = 0;  // closed at once: over a cap
  std::uint64_t handshake_failures = 0;
  std::uint64_t timeouts = 0;  // handshake, head, body or write deadline passed
  std::uint64_t requests = 0;
  std::uint64_t refused_requests = 0;  // 4xx/503 from the limits, before any handler
  std::uint64_t open_connections = 0;
};

class Server {
 public:
  // Without certificates the server speaks plain HTTP (port 80).
  Server(Router router, std::shared_ptr<const CertificateStore> certificates,
         ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Serves on a listening socket handed over by init (LISTEN_FDS); takes it.
  Status adopt(int listening_fd);
  // Or binds host:port itself (port 0: any); returns the port.
  Result<int> bind(const std::string& host, int port);
  // Serves until stop(); runs the I/O threads (this one among them).
  void run();
  // Thread-safe; run() returns once in-flight requests are done or the
  // grace period is over.
  void stop();
  ServerStats stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace common::http
