#include "common/http_server.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <malloc.h>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <csignal>
#include <cstring>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "common/listen_fds.hpp"
#include "common/log.hpp"

namespace common::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
// One io_context per I/O thread, each connection on one of them for its whole
// life: no strands, no locks between connections, a concrete executor type
// (no type-erased executor copies on every operation).
using Executor = net::io_context::executor_type;
using TcpStream = beast::basic_stream<tcp, Executor>;
using TlsStream = beast::ssl_stream<TcpStream>;
using Socket = net::basic_stream_socket<tcp, Executor>;
using Acceptor = net::basic_socket_acceptor<tcp, Executor>;

}  // namespace

// ------------------------------------------------------------------ Router

void Router::get(const std::string& path, Handler handler, Dispatch dispatch) {
  routes_[path]["GET"] = Route{std::move(handler), dispatch};
}

void Router::post(const std::string& path, Handler handler, Dispatch dispatch) {
  routes_[path]["POST"] = Route{std::move(handler), dispatch};
}

const Router::Route* Router::find(std::string_view method, std::string_view path,
                                  bool* path_known) const {
  auto by_path = routes_.find(path);
  *path_known = by_path != routes_.end();
  if (*path_known) {
    auto route = by_path->second.find(method == "HEAD" ? std::string_view("GET") : method);
    if (route != by_path->second.end()) return &route->second;
  }
  return fallback_ ? &*fallback_ : nullptr;
}

Response Router::error(int status) const {
  Response response;
  response.status = status;
  if (error_handler_) error_handler_(status, response);
  if (response.body.empty() && status != 401) {
    response.set_content(std::to_string(status) + " " + std::string(reason_phrase(status)) + "\n",
                         "text/plain; charset=utf-8");
  }
  return response;
}

// ------------------------------------------------------------ the server

namespace {

// Open connections per client address and in total; a slot is held for the
// life of one connection.
class ConnectionLimits {
 public:
  ConnectionLimits(std::size_t total, std::size_t per_address)
      : total_limit_(total), per_address_limit_(per_address) {}

  bool acquire(const std::string& address) {
    std::lock_guard lock(mutex_);
    auto& mine = per_address_[address];
    if (total_ >= total_limit_ || mine >= per_address_limit_) {
      if (mine == 0) per_address_.erase(address);
      return false;
    }
    ++mine;
    ++total_;
    return true;
  }
  // A connection about to send its last answer leaves its address's count
  // (a client may reconnect as soon as it has read it); it leaves the total
  // when it is gone (shutdown waits for that).
  void leave_address(const std::string& address) {
    std::lock_guard lock(mutex_);
    auto it = per_address_.find(address);
    if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
  }
  void release_total() {
    std::lock_guard lock(mutex_);
    --total_;
  }
  std::size_t open() const {
    std::lock_guard lock(mutex_);
    return total_;
  }

 private:
  mutable std::mutex mutex_;
  std::size_t total_limit_;
  std::size_t per_address_limit_;
  std::size_t total_ = 0;
  std::map<std::string, std::size_t> per_address_;
};

struct Counters {
  std::atomic<std::uint64_t> connections{0};
  std::atomic<std::uint64_t> refused_connections{0};
  std::atomic<std::uint64_t> handshake_failures{0};
  std::atomic<std::uint64_t> timeouts{0};
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> refused_requests{0};
};

// What sessions need from the server; outlives every session (sessions hold
// a shared_ptr to it).
struct Shared {
  Shared(Router r, std::shared_ptr<const CertificateStore> c, ServerOptions o)
      : router(std::move(r)),
        certificates(std::move(c)),
        options(o),
        limits(o.max_connections, o.max_connections_per_address),
        workers(std::max<std::size_t>(1, o.worker_threads)) {}
  Router router;
  std::shared_ptr<const CertificateStore> certificates;
  ServerOptions options;
  ConnectionLimits limits;
  Counters counters;
  net::thread_pool workers;
  std::atomic<std::size_t> queued{0};
  std::atomic<bool> stopping{false};
  std::function<void()> on_session_end;  // set by the server: ends run() when stopping
};

// The status line and headers of a response, then its body (none for HEAD),
// in one buffer: one TLS record and one send() for a small response. The
// buffer is the connection's and keeps its capacity between requests.
void serialize(const Response& response, const Headers& defaults, bool keep_alive,
               bool head_request, std::string& out) {
  out.clear();
  const auto status = static_cast<unsigned>(response.status);
  out.append("HTTP/1.1 ").append(std::to_string(status)).append(" ");
  out.append(reason_phrase(response.status)).append("\r\n");
  auto field = [&out](std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
  };
  auto ours = [](std::string_view name) {
    const beast::string_view view(name.data(), name.size());
    return beast::iequals(view, "Content-Length") || beast::iequals(view, "Connection");
  };
  for (const auto& [name, value] : defaults) {
    if (!response.headers.contains(name) && !ours(name)) field(name, value);
  }
  for (const auto& [name, value] : response.headers) {
    if (!ours(name)) field(name, value);
  }
  if (!keep_alive) field("Connection", "close");
  field("Content-Length", std::to_string(response.body.size()));
  out.append("\r\n");
  if (!head_request) out.append(response.body);
}

Request to_request(const bhttp::request<bhttp::string_body>& message, std::string remote) {
  Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  const auto query = request.target.find('?');
  request.path = url_decode(std::string_view(request.target).substr(0, query), false);
  if (query != std::string::npos) {
    request.params = parse_query(std::string_view(request.target).substr(query + 1));
  }
  for (const auto& field : message) {
    request.headers.emplace(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = message.body();
  request.remote_addr = std::move(remote);
  // Forms posted to the server count as parameters too (after the query's).
  const auto type = request.get_header_value("Content-Type");
  if (request.method == "POST" && type.starts_with("application/x-www-form-urlencoded")) {
    for (auto& [key, value] : parse_query(request.body)) request.params.emplace(key, value);
  }
  return request;
}

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(std::shared_ptr<Shared> shared, Stream stream, std::string remote)
      : shared_(std::move(shared)), stream_(std::move(stream)), remote_(std::move(remote)) {}

  ~Session() {
    leave_address();
    shared_->limits.release_total();
    if (shared_->on_session_end) shared_->on_session_end();
  }

  void start() {
    if constexpr (kTls) {
      tcp_layer().expires_after(shared_->options.handshake_timeout);
      stream_.async_handshake(
          net::ssl::stream_base::server,
          [self = this->shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
    } else {
      read_head();
    }
  }

  // Closes the connection if it is only waiting for a request, or only
  // draining after its last answer (shutdown).
  void close_if_idle() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->state_ == State::reading || self->state_ == State::lingering) {
        self->tcp_layer().socket().close();
      }
    });
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, TcpStream>;
  enum class State { handshake, reading, handling, writing, lingering };

  TcpStream& tcp_layer() { return beast::get_lowest_layer(stream_); }

  void on_handshake(beast::error_code ec) {
    if (ec) {
      ++shared_->counters.handshake_failures;
      if (ec == beast::error::timeout) ++shared_->counters.timeouts;
      return;
    }
    read_head();
  }

  void read_head() {
    if (shared_->stopping) return close();
    state_ = State::reading;
    head_.emplace();
    head_->header_limit(static_cast<std::uint32_t>(shared_->options.max_head_bytes));
    head_->body_limit(shared_->options.max_body_bytes);
    // One deadline for the whole head, however slowly its bytes arrive.
    tcp_layer().expires_after(served_ == 0 ? shared_->options.head_timeout
                                           : shared_->options.idle_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *head_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t head_bytes) {
          self->on_head(ec, head_bytes);
        });
  }

  void on_head(beast::error_code ec, std::size_t head_bytes) {
    if (ec == bhttp::error::header_limit) return refuse(431);
    if (ec == bhttp::error::body_limit) return refuse(413);  // Content-Length too large
    if (ec == beast::error::timeout) {
      ++shared_->counters.timeouts;
      return;
    }
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::ssl::error::stream_truncated) {
      return;
    }
    if (ec) return refuse(400);
    const auto& message = head_->get();
    const auto length = head_->content_length();
    const auto announced = length ? std::optional<std::uint64_t>(*length) : std::nullopt;
    if (auto refusal = refuse_head(message, head_bytes, announced, head_->chunked(),
                                   shared_->options.head_limits())) {
      return refuse(*refusal);
    }
    keep_alive_ = message.keep_alive();
    head_request_ = message.method() == bhttp::verb::head;
    body_.emplace(std::move(*head_));
    head_.reset();
    if (length && *length > 0) {
      tcp_layer().expires_after(shared_->options.body_timeout);
      bhttp::async_read(stream_, buffer_, *body_,
                        [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                          self->on_body(ec);
                        });
      return;
    }
    handle();
  }

  void on_body(beast::error_code ec) {
    if (ec == beast::error::timeout) {
      ++shared_->counters.timeouts;
      return;
    }
    if (ec == bhttp::error::body_limit) return refuse(413);
    if (ec) return;
    handle();
  }

  void handle() {
    state_ = State::handling;
    ++shared_->counters.requests;
    Request request = to_request(body_->get(), remote_);
    body_.reset();
    bool path_known = false;
    const Router::Route* route = shared_->router.find(request.method, request.path, &path_known);
    if (route == nullptr) {
      Response response = shared_->router.error(path_known ? 405 : 404);
      if (path_known) response.set_header("Allow", "GET, HEAD, POST");
      return write(std::move(response));
    }
    if (route->dispatch == Dispatch::io_thread) {
      return write(run_handler(*route, request));
    }
    tcp_layer().expires_never();  // the handler takes what it takes
    if (shared_->queued.fetch_add(1) >= shared_->options.max_queued_requests) {
      --shared_->queued;
      ++shared_->counters.refused_requests;
      Response busy = shared_->router.error(503);
      busy.set_header("Retry-After", "1");
      keep_alive_ = false;
      return write(std::move(busy));
    }
    net::post(shared_->workers, [self = this->shared_from_this(), route,
                                 request = std::move(request)]() mutable {
      Response response = self->run_handler(*route, request);
      --self->shared_->queued;
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->write(std::move(response));
      });
    });
  }

  Response run_handler(const Router::Route& route, const Request& request) {
    Response response;
    try {
      route.handler(request, response);
    } catch (const std::exception& error) {
      log::error(log::Event{"http.handler_threw"}, "unable to handle a request",
                 {{"reason", error.what()}, {"path", request.path}});
      response = shared_->router.error(500);
    }
    return response;
  }

  // A refusal made before any handler ran; the rest of the request is never
  // read, so the connection closes after it.
  void refuse(int status) {
    ++shared_->counters.refused_requests;
    keep_alive_ = false;
    head_request_ = false;
    write(shared_->router.error(status));
  }

  void write(Response response) {
    state_ = State::writing;
    ++served_;
    const bool keep_alive =
        keep_alive_ && !shared_->stopping && served_ < shared_->options.max_requests_per_connection;
    if (!keep_alive) leave_address();
    serialize(response, shared_->router.default_headers(), keep_alive, head_request_, out_);
    tcp_layer().expires_after(shared_->options.write_timeout);
    net::async_write(stream_, net::buffer(out_),
                     [self = this->shared_from_this(), keep_alive](
                         beast::error_code ec, std::size_t) { self->on_write(ec, keep_alive); });
  }

  void on_write(beast::error_code ec, bool keep_alive) {
    // A large answer's buffer is not kept for the life of the connection.
    if (out_.capacity() > kKeptOutputBytes) std::string().swap(out_);
    if (ec == beast::error::timeout) ++shared_->counters.timeouts;
    if (ec || !keep_alive) return close();
    read_head();
  }

  void leave_address() {
    if (std::exchange(counted_at_address_, false)) shared_->limits.leave_address(remote_);
  }

  void close() {
    beast::error_code ignored;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ignored);
    // TLS close_notify is skipped: waiting for the peer's would let it hold
    // the connection; the TCP FIN after the response ends it cleanly.
    linger();
  }

  // A lingering close: what the client still sends (the rest of a refused
  // body) is read and dropped for a little while before the socket closes.
  // Closing with unread bytes makes the kernel answer them with a RST, which
  // can destroy the response in flight (the client sees "broken pipe", not
  // the 413). Bounded in time and bytes, and the connection no longer counts
  // for its address (leave_address ran before the last answer).
  void linger() {
    if (shared_->stopping) return;  // the server is going: close at once
    state_ = State::lingering;
    if (lingered_ == 0) tcp_layer().expires_after(kLingerTime);
    // The bytes are dropped, so every lingering connection of this I/O thread
    // (each thread runs its own io_context) reads into the same buffer.
    thread_local std::array<char, 4096> drain;
    tcp_layer().async_read_some(
        net::buffer(drain), [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
          self->lingered_ += n;
          if (ec || n == 0 || self->lingered_ >= kLingerBytes) return;  // the session ends
          self->linger();
        });
  }

  std::shared_ptr<Shared> shared_;
  Stream stream_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::empty_body>> head_;
  std::optional<bhttp::request_parser<bhttp::string_body>> body_;
  static constexpr std::size_t kKeptOutputBytes = 16U << 10;
  static constexpr auto kLingerTime = std::chrono::seconds(2);
  static constexpr std::size_t kLingerBytes = 1U << 20;
  std::string out_;  // the response being written
  std::size_t lingered_ = 0;
  State state_ = kTls ? State::handshake : State::reading;
  std::size_t served_ = 0;
  bool keep_alive_ = false;
  bool head_request_ = false;
  bool counted_at_address_ = true;  // in its address's count (ConnectionLimits)
};

}  // namespace

// Handlers the io_contexts hold capture `this`, not a shared_ptr: the
// io_contexts are members, so a handler that never runs (io stopped) is
// destroyed with them instead of keeping the Impl alive in a cycle.
// Every I/O thread accepts on the listening socket (a dup of it, in its own
// io_context) and serves what it accepted there, start to end: no hand-over
// between threads, and a thread busy with its connections takes no new ones
// until it can. The first io_context also runs the shutdown timer.
struct Server::Impl {
  Impl(Router router, std::shared_ptr<const CertificateStore> certificates, ServerOptions o)
      : contexts(make_contexts(threads_for(o))),
        io(*contexts.front()),
        peers(contexts.size()),
        shutdown_timer(io),
        trim_timer(io),
        shared(std::make_shared<Shared>(std::move(router), std::move(certificates), o)) {
    for (auto& context : contexts) {
      guards.emplace_back(context->get_executor());
      acceptors.push_back(std::make_unique<Acceptor>(context->get_executor()));
    }
  }

  static std::vector<std::unique_ptr<net::io_context>> make_contexts(std::size_t count) {
    std::vector<std::unique_ptr<net::io_context>> made;
    // Concurrency hint 1: one thread runs each (workers still post to it).
    for (std::size_t i = 0; i < count; ++i) made.push_back(std::make_unique<net::io_context>(1));
    return made;
  }

  void stop_all() {
    for (auto& context : contexts) context->stop();
  }

  // glibc gives the kernel back only the top of its heaps: the pages freed
  // between live blocks (TLS buffers released by idle connections, parsers,
  // answers) stay in the RSS, which so follows the high-water mark of the
  // live heap and kept growing for half a minute under a steady 256-connection
  // load. malloc_trim() returns every whole free page.
  void trim_heap_periodically() {
    if (shared->options.heap_trim_interval.count() <= 0) return;
    trim_timer.expires_after(shared->options.heap_trim_interval);
    trim_timer.async_wait([self = this](beast::error_code ec) {
      if (ec || self->shared->stopping) return;
      ::malloc_trim(0);
      self->trim_heap_periodically();
    });
  }

  static std::size_t threads_for(const ServerOptions& o) {
    if (o.io_threads > 0) return o.io_threads;
    return std::max(1U, std::thread::hardware_concurrency());
  }

  Status set_up_tls() {
    if (!shared->certificates) return {};
    SSL_CTX* raw = SSL_CTX_new(TLS_server_method());
    if (raw == nullptr) return fail(Error::Kind::internal, "unable to create the TLS context");
    tls.emplace(raw);  // takes ownership
    if (!configure_server_tls(*tls->native_handle(), shared->certificates.get())) {
      return fail(Error::Kind::internal, "unable to configure the TLS context");
    }
    return {};
  }

  // Adopts the listening socket: the first acceptor takes it, each other one
  // a duplicate.
  Status adopt(const tcp& protocol, int listening_fd) {
    beast::error_code ec;
    for (std::size_t i = 0; i < acceptors.size() && !ec; ++i) {
      const int fd = i == 0 ? listening_fd : fcntl(listening_fd, F_DUPFD_CLOEXEC, 0);
      if (fd < 0) {
        return fail(Error::Kind::environment,
                    "unable to adopt the listening socket: " + std::string(std::strerror(errno)));
      }
      acceptors[i]->assign(protocol, fd, ec);
      if (ec && i > 0) ::close(fd);
    }
    if (ec) {
      return fail(Error::Kind::environment,
                  "unable to adopt the listening socket: " + ec.message());
    }
    return {};
  }

  // The accept loop of I/O thread `lane`; the peer's address comes with the
  // connection (no getpeername).
  void accept(std::size_t lane) {
    acceptors[lane]->async_accept(
        peers[lane], [self = this, lane](beast::error_code ec, Socket socket) {
          if (ec == net::error::operation_aborted || self->shared->stopping) return;
          if (!ec) self->start_session(std::move(socket), self->peers[lane]);
          self->accept(lane);
        });
  }

  void start_session(Socket socket, const tcp::endpoint& peer) {
    beast::error_code ec;
    std::string address = peer.address().to_string();
    if (!shared->limits.acquire(address)) {
      ++shared->counters.refused_connections;
      socket.close(ec);
      return;
    }
    ++shared->counters.connections;
    socket.set_option(tcp::no_delay(true), ec);
    if (tls) {
      auto session = std::make_shared<Session<TlsStream>>(
          shared, TlsStream(TcpStream(std::move(socket)), *tls), std::move(address));
      track(session);
      session->start();
    } else {
      auto session = std::make_shared<Session<TcpStream>>(shared, TcpStream(std::move(socket)),
                                                          std::move(address));
      track(session);
      session->start();
    }
  }

  template <class S>
  void track(const std::shared_ptr<S>& session) {
    std::lock_guard lock(sessions_mutex);
    // Ended sessions are swept when the list has doubled: O(1) per accept.
    if (idle_closers.size() >= sweep_at) {
      std::erase_if(idle_closers, [](const auto& closer) { return closer.first.expired(); });
      sweep_at = std::max<std::size_t>(64, 2 * idle_closers.size());
    }
    idle_closers.emplace_back(session, [weak = std::weak_ptr<S>(session)] {
      if (auto s = weak.lock()) s->close_if_idle();
    });
  }

  void begin_shutdown() {
    if (shared->stopping.exchange(true)) return;
    // Each acceptor is closed on its own thread (Asio objects are not
    // thread-safe); its pending accept ends with operation_aborted.
    for (std::size_t lane = 0; lane < acceptors.size(); ++lane) {
      net::post(*contexts[lane], [self = this, lane] {
        beast::error_code ignored;
        self->acceptors[lane]->close(ignored);
      });
    }
    trim_timer.cancel();
    std::vector<std::function<void()>> closers;
    {
      std::lock_guard lock(sessions_mutex);
      for (auto& [weak, closer] : idle_closers) {
        if (!weak.expired()) closers.push_back(closer);
      }
    }
    for (auto& closer : closers) closer();
    shutdown_timer.expires_after(shared->options.shutdown_grace);
    shutdown_timer.async_wait([self = this](beast::error_code ec) {
      if (!ec) self->stop_all();  // in-flight requests had their grace period
    });
    finish_if_idle();
  }

  void finish_if_idle() {
    if (shared->stopping && shared->limits.open() == 0) {
      net::post(io, [self = this] { self->stop_all(); });
    }
  }

  std::vector<std::unique_ptr<net::io_context>> contexts;  // one per I/O thread
  net::io_context& io;                                     // the first: shutdown
  std::vector<net::executor_work_guard<Executor>> guards;  // run() until stopped
  std::vector<std::unique_ptr<Acceptor>> acceptors;        // one per io_context
  std::vector<tcp::endpoint> peers;                        // each acceptor's last peer
  net::steady_timer shutdown_timer;
  net::steady_timer trim_timer;
  std::optional<net::ssl::context> tls;
  std::shared_ptr<Shared> shared;
  std::mutex sessions_mutex;
  std::vector<std::pair<std::weak_ptr<void>, std::function<void()>>> idle_closers;
  std::size_t sweep_at = 64;
};

Server::Server(Router router, std::shared_ptr<const CertificateStore> certificates,
               ServerOptions options)
    : impl_(std::make_shared<Impl>(std::move(router), std::move(certificates), options)) {
  // Writing to a connection the client closed must be EPIPE, not the end of
  // the process.
  std::signal(SIGPIPE, SIG_IGN);
  if (auto tls = impl_->set_up_tls(); !tls) {
    log::error(log::Event{"http.tls_unavailable"}, "unable to set up TLS",
               {{"reason", tls.error().message}});
  }
  std::weak_ptr<Impl> weak = impl_;
  impl_->shared->on_session_end = [weak] {
    if (auto impl = weak.lock()) impl->finish_if_idle();
  };
}

Server::~Server() {
  impl_->shared->on_session_end = nullptr;
  stop();
  impl_->stop_all();
  impl_->shared->workers.join();
}

Status Server::adopt(int listening_fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (getsockname(listening_fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return fail(Error::Kind::environment, "unable to adopt the listening socket: not a socket");
  }
  const auto protocol = address.ss_family == AF_INET6 ? tcp::v6() : tcp::v4();
  return impl_->adopt(protocol, listening_fd);
}

Result<int> Server::bind(const std::string& host, int port) {
  auto fd = bind_tcp_listener(host, port);
  if (!fd) return std::unexpected(fd.error());
  auto bound = local_port(*fd);
  if (!bound) return std::unexpected(bound.error());
  if (auto adopted = adopt(*fd); !adopted) return std::unexpected(adopted.error());
  return *bound;
}

void Server::run() {
  if (!impl_->acceptors.front()->is_open()) {
    log::error(log::Event{"http.no_listener"}, "unable to serve without a listening socket");
    return;
  }
  for (std::size_t lane = 0; lane < impl_->acceptors.size(); ++lane) impl_->accept(lane);
  impl_->trim_heap_periodically();
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->contexts.size(); ++i) {
    threads.emplace_back([context = impl_->contexts[i].get()] { context->run(); });
  }
  impl_->io.run();
  for (auto& thread : threads) thread.join();
  // begin_shutdown closes each acceptor on its own thread, but a thread may
  // have stopped before it ran that close: the port is free when run()
  // returns, whatever became of the Server object.
  for (auto& acceptor : impl_->acceptors) {
    beast::error_code ignored;
    acceptor->close(ignored);
  }
}

void Server::stop() {
  net::post(impl_->io, [impl = impl_.get()] { impl->begin_shutdown(); });
}

ServerStats Server::stats() const {
  const Counters& c = impl_->shared->counters;
  return ServerStats{c.connections.load(),        c.refused_connections.load(),
                     c.handshake_failures.load(), c.timeouts.load(),
                     c.requests.load(),           c.refused_requests.load(),
                     impl_->shared->limits.open()};
}

}  // namespace common::http
