#include "common/ipc_client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "common/backoff.hpp"
#include "common/log.hpp"

namespace common::ipc {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kReadChunk = 16384;

std::string errno_text() { return std::strerror(errno); }

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<std::int64_t>(0, left.count()));
}

// Waits until fd is ready for `events` or the deadline passes.
Status wait_ready(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd entry{fd, events, 0};
    int ready = ::poll(&entry, 1, remaining_ms(deadline));
    if (ready > 0) return {};
    if (ready == 0) return fail(Error::Kind::environment, "timed out");
    if (errno != EINTR) return fail(Error::Kind::environment, "poll: " + errno_text());
  }
}

Status write_all(int fd, std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (auto ready = wait_ready(fd, POLLOUT, deadline); !ready) return ready;
      continue;
    }
    return fail(Error::Kind::environment, "unable to send: " + errno_text());
  }
  return {};
}

// Reads until the decoder yields one whole message. A bad frame from the
// server is an environment error: the server is ours, the stream is lost.
Result<json> read_one(int fd, FrameDecoder& decoder, Clock::time_point deadline) {
  std::array<char, kReadChunk> buffer{};
  for (;;) {
    auto message = decoder.next();
    if (!message) return fail(Error::Kind::environment, message.error().message);
    if (*message) return std::move(**message);
    ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n > 0) {
      decoder.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
      continue;
    }
    if (n == 0) return fail(Error::Kind::environment, "connection closed by the server");
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      return fail(Error::Kind::environment, "unable to receive: " + errno_text());
    }
    if (auto ready = wait_ready(fd, POLLIN, deadline); !ready) {
      return std::unexpected(ready.error());
    }
  }
}

bool is_event(const json& message) { return message.is_object() && message.contains("event"); }

std::uint64_t reply_id(const json& message) {
  auto it = message.find("id");
  return (it != message.end() && it->is_number_unsigned()) ? it->get<std::uint64_t>() : 0;
}

Error reply_error(const json& error, std::string_view method) {
  std::string code = "internal";
  std::string text;
  if (error.is_object()) {
    code = error.value("code", std::string("internal"));
    text = error.value("message", std::string());
  }
  Error::Kind kind = Error::Kind::environment;
  if (code == error_code::forbidden) kind = Error::Kind::permission;
  if (code == error_code::bad_request) kind = Error::Kind::invalid_input;
  return Error{kind, "ipc " + std::string(method) + ": " + code + ": " + text};
}

}  // namespace

// ------------------------------------------------------------- Client ----

Result<Client> Client::connect(const std::string& path, std::chrono::milliseconds timeout) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address.sun_path)) {
    return fail(Error::Kind::invalid_input,
                "unable to connect to \"" + path + "\": socket path is empty or too long");
  }
  std::memcpy(address.sun_path, path.data(), path.size());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(Error::Kind::environment, "unable to create socket: " + errno_text());
  // A Unix connect() blocks only while the server's backlog is full, and
  // SO_SNDTIMEO bounds that wait.
  timeval limit{};
  limit.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  limit.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
  int rc;
  do {
    rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int error = errno;
    ::close(fd);
    auto kind =
        (error == EACCES || error == EPERM) ? Error::Kind::permission : Error::Kind::environment;
    return fail(kind, "unable to connect to " + path + ": " + std::strerror(error));
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return Client(fd, timeout);
}

Client::Client(int fd, std::chrono::milliseconds timeout) : fd_(fd), timeout_(timeout) {}

Client::Client(Client&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      timeout_(other.timeout_),
      next_id_(other.next_id_),
      decoder_(std::move(other.decoder_)),
      pending_events_(std::move(other.pending_events_)) {}

Client& Client::operator=(Client&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    timeout_ = other.timeout_;
    next_id_ = other.next_id_;
    decoder_ = std::move(other.decoder_);
    pending_events_ = std::move(other.pending_events_);
  }
  return *this;
}

Client::~Client() {
  if (fd_ >= 0) ::close(fd_);
}

Result<json> Client::read_message() {
  auto message = read_one(fd_, decoder_, Clock::now() + timeout_);
  // A timeout leaves the stream in step (late replies are skipped by id);
  // a closed or garbled stream does not.
  if (!message && message.error().message != "timed out") {
    ::close(fd_);
    fd_ = -1;
  }
  return message;
}

Result<json> Client::call(std::string_view method, const json& params) {
  if (fd_ < 0)
    return fail(Error::Kind::environment, "ipc " + std::string(method) + ": not connected");
  const std::uint64_t id = next_id_++;
  auto frame = encode_frame(make_request(id, method, params));
  if (!frame) return std::unexpected(wrap(frame.error(), "ipc " + std::string(method)));
  if (auto sent = write_all(fd_, *frame, Clock::now() + timeout_); !sent) {
    // The server may have refused us and closed: its reason beats EPIPE.
    auto reason = read_message();
    if (reason && !is_event(*reason) && reason->contains("error")) {
      return std::unexpected(reply_error((*reason)["error"], method));
    }
    return std::unexpected(wrap(sent.error(), "ipc " + std::string(method)));
  }
  for (;;) {
    auto message = read_message();
    if (!message) return std::unexpected(wrap(message.error(), "ipc " + std::string(method)));
    if (is_event(*message)) {
      pending_events_.push_back(std::move(*message));
      continue;
    }
    const std::uint64_t got = reply_id(*message);
    // id 0 carries connection-level errors (refused uid, bad frame).
    if (got != id && got != 0) continue;
    if (auto error = message->find("error"); error != message->end()) {
      return std::unexpected(reply_error(*error, method));
    }
    if (got != id) continue;
    return message->value("result", json());
  }
}

Status Client::subscribe(const std::vector<std::string>& events) {
  auto reply = call("subscribe", json{{"events", events}});
  if (!reply) return std::unexpected(reply.error());
  return {};
}

Result<json> Client::next_event(std::chrono::milliseconds timeout) {
  if (!pending_events_.empty()) {
    json event = std::move(pending_events_.front());
    pending_events_.erase(pending_events_.begin());
    return event;
  }
  if (fd_ < 0) return fail(Error::Kind::environment, "ipc: not connected");
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto message = read_one(fd_, decoder_, deadline);
    if (!message) {
      if (message.error().message != "timed out") {
        ::close(fd_);
        fd_ = -1;
      }
      return std::unexpected(wrap(message.error(), "ipc: unable to receive event"));
    }
    if (is_event(*message)) return message;
  }
}

// --------------------------------------------------------- Subscriber ----

using boost::asio::local::stream_protocol;
using asio_error = boost::system::error_code;

struct Subscriber::Impl : std::enable_shared_from_this<Subscriber::Impl> {
  static constexpr std::uint64_t kSubscribeId = 1;
  static constexpr std::uint64_t kFetchId = 2;

  Impl(boost::asio::io_context& io_context, std::string socket_path, std::string fetch,
       std::string event_name, Callback callback)
      : io(io_context),
        socket(io_context),
        timer(io_context),
        path(std::move(socket_path)),
        fetch_method(std::move(fetch)),
        event(std::move(event_name)),
        on_value(std::move(callback)) {}

  void connect() {
    if (stopped) return;
    asio_error ec;
    socket.close(ec);
    decoder = FrameDecoder();
    const unsigned generation = ++connection_generation;
    socket.open(stream_protocol(), ec);
    if (ec) {
      retry(ec.message());
      return;
    }
    ::fcntl(socket.native_handle(), F_SETFD, FD_CLOEXEC);
    socket.async_connect(stream_protocol::endpoint(path),
                         [self = shared_from_this(), generation](asio_error connect_ec) {
                           if (self->stale(generation)) return;
                           if (connect_ec) {
                             self->retry(connect_ec.message());
                             return;
                           }
                           self->on_connected(generation);
                         });
  }

  // Subscribe first, then fetch: the server handles a connection's requests
  // in order, so no update can fall between the fetched value and the
  // first event.
  void on_connected(unsigned generation) {
    auto subscribe = encode_frame(make_request(kSubscribeId, "subscribe", {{"events", {event}}}));
    auto fetch = encode_frame(make_request(kFetchId, fetch_method, json::object()));
    if (!subscribe || !fetch) {
      log::error(log::Event{"ipc.subscription_unencodable"}, "unable to encode an IPC subscription", {{"path", path}});
      return;
    }
    outgoing = *subscribe + *fetch;
    boost::asio::async_write(socket, boost::asio::buffer(outgoing),
                             [self = shared_from_this(), generation](asio_error ec, std::size_t) {
                               if (self->stale(generation)) return;
                               if (ec) self->retry(ec.message());
                             });
    read(generation);
  }

  void read(unsigned generation) {
    socket.async_read_some(boost::asio::buffer(buffer), [self = shared_from_this(), generation](
                                                            asio_error ec, std::size_t n) {
      if (self->stale(generation)) return;
      if (ec) {
        self->retry(ec == boost::asio::error::eof ? "connection closed" : ec.message());
        return;
      }
      self->decoder.feed(std::string_view(self->buffer.data(), n));
      for (;;) {
        auto message = self->decoder.next();
        if (!message) {
          self->retry(message.error().message);
          return;
        }
        if (!*message) break;
        self->handle(**message);
        if (self->stale(generation)) return;
      }
      self->read(generation);
    });
  }

  void handle(const json& message) {
    if (!message.is_object()) return;
    if (auto name = message.find("event"); name != message.end()) {
      if (*name == event) deliver(message.value("data", json()));
      return;
    }
    const std::uint64_t id = reply_id(message);
    if (auto error = message.find("error"); error != message.end()) {
      log::warning(log::Event{"ipc.subscription_refused"}, "unable to subscribe over IPC",
                   {{"path", path},
                    {"method", id == kSubscribeId ? "subscribe" : fetch_method},
                    {"reason", reply_error(*error, fetch_method).message}});
      return;
    }
    if (id == kFetchId) {
      backoff.reset();  // a full round trip: the server is healthy again
      deliver(message.value("result", json()));
    }
  }

  void deliver(const json& value) {
    // Held while the callback runs so that once stop() returns, no callback
    // is running or will run (stop() may be called from another thread).
    std::lock_guard lock(callback_mutex);
    if (!stopped) on_value(value);
  }

  void retry(std::string_view reason) {
    if (stopped) return;
    asio_error ec;
    socket.close(ec);
    ++connection_generation;
    const auto delay = backoff.next();
    log::info(log::Event{"ipc.subscriber_reconnecting"}, "reconnecting an IPC subscription",
              {{"path", path}, {"reason", reason}, {"delay_ms", delay.count()}});
    timer.expires_after(delay);
    timer.async_wait([self = shared_from_this()](asio_error wait_ec) {
      if (!wait_ec) self->connect();
    });
  }

  bool stale(unsigned generation) const { return stopped || generation != connection_generation; }

  void close_now() {
    asio_error ec;
    socket.close(ec);
    timer.cancel();
    ++connection_generation;
  }

  boost::asio::io_context& io;
  stream_protocol::socket socket;
  boost::asio::steady_timer timer;
  std::string path;
  std::string fetch_method;
  std::string event;
  Callback on_value;
  Backoff backoff{std::chrono::milliseconds(100), std::chrono::seconds(10)};
  FrameDecoder decoder;
  std::array<char, kReadChunk> buffer{};
  std::string outgoing;
  unsigned connection_generation = 0;
  std::recursive_mutex callback_mutex;
  std::atomic<bool> stopped{false};
};

Subscriber::Subscriber(boost::asio::io_context& io, std::string path, std::string fetch_method,
                       std::string event, Callback on_value)
    : impl_(std::make_shared<Impl>(io, std::move(path), std::move(fetch_method), std::move(event),
                                   std::move(on_value))) {}

Subscriber::~Subscriber() { stop(); }

void Subscriber::start() {
  boost::asio::post(impl_->io, [impl = impl_] { impl->connect(); });
}

void Subscriber::stop() {
  {
    std::lock_guard lock(impl_->callback_mutex);
    if (impl_->stopped.exchange(true)) return;
  }
  if (impl_->io.stopped()) {
    impl_->close_now();
  } else {
    boost::asio::post(impl_->io, [impl = impl_] { impl->close_now(); });
  }
}

void log_rejected_payload(std::string_view event, const Error& error) {
  log::warning(log::Event{"ipc.payload_rejected"}, "unable to use a peer's payload",
               {{"feed", std::string(event)}, {"reason", error.message}});
}

}  // namespace common::ipc
