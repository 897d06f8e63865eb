#include "common/ipc_server.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "common/log.hpp"

namespace common::ipc {
namespace {

using boost::asio::local::stream_protocol;
using asio_error = boost::system::error_code;

constexpr std::string_view kSubscribe = "subscribe";
constexpr std::size_t kReadChunk = 16384;
constexpr std::chrono::milliseconds kAcceptRetry{100};

struct MethodEntry {
  Handler handler;
  std::vector<uid_t> allowed_uids;
};

bool contains(const std::vector<uid_t>& uids, uid_t uid) {
  return std::find(uids.begin(), uids.end(), uid) != uids.end();
}

std::string_view code_for(Error::Kind kind) {
  switch (kind) {
    case Error::Kind::invalid_input:
      return error_code::bad_request;
    case Error::Kind::permission:
      return error_code::forbidden;
    case Error::Kind::internal:
      return error_code::internal;
    case Error::Kind::not_found:
    case Error::Kind::environment:
      return error_code::unavailable;
  }
  return error_code::internal;
}

// Asio opens sockets without close-on-exec; init forks services and must not
// leak its control socket into them.
void set_cloexec(int fd) { ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC); }

Result<Peer> peer_credentials(int fd) {
  ucred credentials{};
  socklen_t length = sizeof(credentials);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) {
    return fail(Error::Kind::environment,
                std::string("unable to read SO_PEERCRED: ") + std::strerror(errno));
  }
  return Peer{credentials.uid, credentials.gid, credentials.pid};
}

// A refusal sent before closing a connection we will not serve: the socket
// is fresh, so a small frame fits its buffer; if not, the close says enough.
void send_refusal(int fd, std::string_view code, std::string_view message) {
  auto frame = encode_frame(make_error(0, code, message));
  if (frame) (void)::send(fd, frame->data(), frame->size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

}  // namespace

class Connection;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(boost::asio::io_context& io_context, std::string socket_path, ServerOptions server_options)
      : io(io_context),
        acceptor(io_context),
        accept_retry(io_context),
        path(std::move(socket_path)),
        options(std::move(server_options)) {}

  void accept();
  void admit(stream_protocol::socket socket);
  void handle(const std::shared_ptr<Connection>& connection, const json& request);
  void publish_frame(const std::string& event, const std::string& frame);
  void forget(const std::shared_ptr<Connection>& connection) { connections.erase(connection); }
  void close_sockets();

  boost::asio::io_context& io;
  stream_protocol::acceptor acceptor;
  boost::asio::steady_timer accept_retry;
  std::string path;
  ServerOptions options;
  dev_t socket_dev = 0;
  ino_t socket_ino = 0;

  // Guards `methods` and `closed`, and is held while a handler runs, so that
  // once close() returns on any thread no handler is running or will run.
  std::recursive_mutex mutex;
  std::map<std::string, MethodEntry, std::less<>> methods;
  std::atomic<bool> closed{false};

  // Touched on the io_context thread only.
  std::set<std::shared_ptr<Connection>> connections;
};

// One accepted, admitted peer: reads frames, queues replies and events.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::weak_ptr<Server::Impl> server, const std::string& path,
             stream_protocol::socket socket, Peer peer, const ServerOptions& options)
      : server_(std::move(server)),
        path_(path),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        peer_(peer),
        decoder_(options.max_frame),
        max_frame_(options.max_frame),
        read_timeout_(options.read_timeout),
        max_queued_bytes_(options.max_queued_bytes) {}

  void start() { read(); }
  const Peer& peer() const { return peer_; }
  std::size_t max_frame() const { return max_frame_; }

  bool subscribed(std::string_view event) const { return events_.contains(event); }
  void subscribe(std::string event) { events_.insert(std::move(event)); }

  // Queues a frame; a peer that lets more than max_queued_bytes pile up
  // (a subscriber that stopped reading) is dropped rather than buffered.
  // One frame alone always fits, whatever the limit.
  void send(std::string frame) {
    if (closed_ || closing_) return;
    if (!queue_.empty() && queued_bytes_ + frame.size() > max_queued_bytes_) {
      log::warning(log::Event{"ipc.peer_dropped"}, "dropping an IPC peer that does not read", {{"path", path_},
                                                            {"uid", peer_.uid},
                                                            {"pid", peer_.pid},
                                                            {"queued_bytes", queued_bytes_}});
      close();
      return;
    }
    queued_bytes_ += frame.size();
    queue_.push_back(std::move(frame));
    if (!writing_) write_next();
  }

  // Sends a last error frame and closes; stops reading at once.
  void refuse(std::string_view code, std::string_view message) {
    if (closed_ || closing_) return;
    auto frame = encode_frame(make_error(0, code, message));
    if (writing_ || !frame) {
      close();
      return;
    }
    queued_bytes_ += frame->size();
    queue_.push_back(std::move(*frame));
    closing_ = true;
    // The peer may not read either: the goodbye gets one read_timeout.
    arm_timer();
    write_next();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    ++timer_generation_;
    timer_.cancel();
    asio_error ignored;
    socket_.close(ignored);
    if (auto server = server_.lock()) server->forget(shared_from_this());
  }

 private:
  void read() {
    socket_.async_read_some(
        boost::asio::buffer(buffer_),
        [self = shared_from_this()](asio_error ec, std::size_t n) { self->on_read(ec, n); });
  }

  void on_read(asio_error ec, std::size_t n) {
    if (closed_ || closing_) return;
    if (ec) {
      close();
      return;
    }
    auto server = server_.lock();
    if (!server || server->closed) {
      close();
      return;
    }
    decoder_.feed(std::string_view(buffer_.data(), n));
    bool completed_frame = false;
    for (;;) {
      auto message = decoder_.next();
      if (!message) {
        log::warning(log::Event{"ipc.frame_rejected"}, "closing an IPC connection after a bad frame",
                     {{"path", path_},
                      {"uid", peer_.uid},
                      {"pid", peer_.pid},
                      {"reason", message.error().message}});
        refuse(error_code::bad_frame, message.error().message);
        return;
      }
      if (!*message) break;
      completed_frame = true;
      server->handle(shared_from_this(), **message);
      if (closed_ || closing_) return;
    }
    // The read timeout runs from the first byte of a frame to its last; an
    // idle connection between frames (a quiet subscriber) has none.
    if (decoder_.mid_frame()) {
      if (!timer_armed_ || completed_frame) arm_timer();
    } else if (timer_armed_) {
      ++timer_generation_;
      timer_armed_ = false;
      timer_.cancel();
    }
    read();
  }

  void arm_timer() {
    timer_armed_ = true;
    timer_.expires_after(read_timeout_);
    timer_.async_wait([self = shared_from_this(), generation = ++timer_generation_](asio_error ec) {
      if (ec || generation != self->timer_generation_) return;
      self->on_timeout();
    });
  }

  void on_timeout() {
    timer_armed_ = false;
    if (closing_) {
      close();
      return;
    }
    log::warning(log::Event{"ipc.frame_timeout"}, "closing an IPC connection whose frame did not complete in time",
                 {{"path", path_},
                  {"uid", peer_.uid},
                  {"pid", peer_.pid},
                  {"timeout_ms", read_timeout_.count()}});
    refuse(error_code::bad_frame, "frame not completed within the read timeout");
  }

  void write_next() {
    if (queue_.empty() || closed_) {
      writing_ = false;
      if (closing_) close();
      return;
    }
    writing_ = true;
    boost::asio::async_write(socket_, boost::asio::buffer(queue_.front()),
                             [self = shared_from_this()](asio_error ec, std::size_t) {
                               if (self->closed_) return;
                               if (ec) {
                                 self->close();
                                 return;
                               }
                               self->queued_bytes_ -= self->queue_.front().size();
                               self->queue_.pop_front();
                               self->write_next();
                             });
  }

  std::weak_ptr<Server::Impl> server_;
  std::string path_;  // for log lines only
  stream_protocol::socket socket_;
  boost::asio::steady_timer timer_;
  Peer peer_;
  FrameDecoder decoder_;
  std::size_t max_frame_;
  std::chrono::milliseconds read_timeout_;
  std::size_t max_queued_bytes_;
  std::array<char, kReadChunk> buffer_{};
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;  // a last frame is on its way; then close
  bool closed_ = false;
  bool timer_armed_ = false;
  unsigned timer_generation_ = 0;
  std::set<std::string, std::less<>> events_;
};

void Server::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](asio_error ec, stream_protocol::socket peer) {
    if (ec == boost::asio::error::operation_aborted || self->closed) return;
    if (ec) {
      // EMFILE and friends: wait a little instead of spinning on the error.
      log::warning(log::Event{"ipc.accept_failed"}, "unable to accept an IPC connection",
                   {{"path", self->path}, {"reason", ec.message()}});
      self->accept_retry.expires_after(kAcceptRetry);
      self->accept_retry.async_wait([self](asio_error wait_ec) {
        if (!wait_ec && !self->closed) self->accept();
      });
      return;
    }
    self->admit(std::move(peer));
    self->accept();
  });
}

void Server::Impl::admit(stream_protocol::socket socket) {
  const int fd = socket.native_handle();
  set_cloexec(fd);
  // Who is calling is settled before a single byte of theirs is read.
  auto peer = peer_credentials(fd);
  if (!peer) {
    log::warning(log::Event{"ipc.peer_unidentified"}, "refusing an IPC connection",
                 {{"path", path}, {"reason", peer.error().message}});
    return;
  }
  if (!contains(options.allowed_uids, peer->uid)) {
    log::warning(log::Event{"ipc.peer_refused"}, "refusing an IPC connection from a uid the socket does not admit",
                 {{"path", path}, {"uid", peer->uid}, {"pid", peer->pid}});
    send_refusal(fd, error_code::forbidden,
                 "this socket does not admit uid " + std::to_string(peer->uid));
    return;
  }
  if (connections.size() >= options.max_connections) {
    log::warning(log::Event{"ipc.connection_limit"}, "refusing an IPC connection over the connection limit",
                 {{"path", path}, {"uid", peer->uid}, {"limit", options.max_connections}});
    send_refusal(fd, error_code::unavailable, "too many connections");
    return;
  }
  auto connection =
      std::make_shared<Connection>(weak_from_this(), path, std::move(socket), *peer, options);
  connections.insert(connection);
  connection->start();
}

void Server::Impl::handle(const std::shared_ptr<Connection>& connection, const json& request) {
  const Peer& peer = connection->peer();
  auto reply = [&](json message) {
    auto frame = encode_frame(message, connection->max_frame());
    if (!frame) {
      frame = encode_frame(make_error(message.value("id", std::uint64_t{0}), error_code::internal,
                                      "reply too large"));
    }
    if (frame) connection->send(std::move(*frame));
  };

  if (!request.is_object()) {
    reply(make_error(0, error_code::bad_request, "a request is a JSON object"));
    return;
  }
  auto id_field = request.find("id");
  if (id_field == request.end() || !id_field->is_number_unsigned()) {
    reply(make_error(0, error_code::bad_request, "\"id\" must be an unsigned integer"));
    return;
  }
  const auto id = id_field->get<std::uint64_t>();
  auto method_field = request.find("method");
  if (method_field == request.end() || !method_field->is_string()) {
    reply(make_error(id, error_code::bad_request, "\"method\" must be a string"));
    return;
  }
  const auto& method = method_field->get_ref<const std::string&>();
  json params = json::object();
  if (auto it = request.find("params"); it != request.end()) {
    if (!it->is_object()) {
      reply(make_error(id, error_code::bad_request, "\"params\" must be an object"));
      return;
    }
    params = *it;
  }

  if (method == kSubscribe) {
    auto events = params.find("events");
    if (events == params.end() || !events->is_array() ||
        !std::all_of(events->begin(), events->end(), [](const json& e) { return e.is_string(); })) {
      reply(make_error(id, error_code::bad_request, "\"events\" must be an array of strings"));
      return;
    }
    for (const auto& event : *events) connection->subscribe(event.get<std::string>());
    reply(make_result(id, json{{"events", *events}}));
    return;
  }

  std::lock_guard lock(mutex);
  if (closed) return;
  auto entry = methods.find(method);
  if (entry == methods.end()) {
    reply(make_error(id, error_code::unknown_method, "no method \"" + method + "\""));
    return;
  }
  if (!entry->second.allowed_uids.empty() && !contains(entry->second.allowed_uids, peer.uid)) {
    log::warning(log::Event{"ipc.method_refused"}, "refusing an IPC method to a uid it does not admit",
                 {{"path", path}, {"method", method}, {"uid", peer.uid}, {"pid", peer.pid}});
    reply(
        make_error(id, error_code::forbidden,
                   "method \"" + method + "\" is not allowed for uid " + std::to_string(peer.uid)));
    return;
  }
  // A handler is our own code, but it reads untrusted params: a throw there
  // must cost one reply, not the daemon.
  Result<json> result = fail(Error::Kind::internal, "handler failed");
  try {
    result = entry->second.handler(params, peer);
  } catch (const std::exception& e) {
    log::error(log::Event{"ipc.handler_threw"}, "unable to handle an IPC request",
               {{"method", method}, {"reason", e.what()}});
    result = fail(Error::Kind::internal, "internal error");
  }
  if (result) {
    reply(make_result(id, std::move(*result)));
  } else {
    reply(make_error(id, code_for(result.error().kind), result.error().message));
  }
}

void Server::Impl::publish_frame(const std::string& event, const std::string& frame) {
  if (closed) return;
  // Copied: send() may drop a slow subscriber, which edits the set.
  std::vector<std::shared_ptr<Connection>> targets;
  for (const auto& connection : connections) {
    if (connection->subscribed(event)) targets.push_back(connection);
  }
  for (const auto& connection : targets) connection->send(frame);
}

void Server::Impl::close_sockets() {
  asio_error ignored;
  acceptor.close(ignored);
  accept_retry.cancel();
  std::vector<std::shared_ptr<Connection>> open(connections.begin(), connections.end());
  for (const auto& connection : open) connection->close();
  connections.clear();
}

Result<std::unique_ptr<Server>> Server::listen(boost::asio::io_context& io, std::string path,
                                               ServerOptions options) {
  if (path.empty() || path.size() >= sizeof(sockaddr_un::sun_path)) {
    return fail(Error::Kind::invalid_input,
                "unable to listen on \"" + path + "\": socket path is empty or too long");
  }
  std::error_code fs_error;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, fs_error);
  if (fs_error) {
    return fail(Error::Kind::environment,
                "unable to create " + parent.string() + ": " + fs_error.message());
  }
  // A socket file left by a previous run would make bind() fail; anything
  // that is not a socket is someone else's and is not ours to delete.
  struct stat existing {};
  if (::lstat(path.c_str(), &existing) == 0) {
    if (!S_ISSOCK(existing.st_mode)) {
      return fail(Error::Kind::invalid_input,
                  "unable to listen on " + path + ": a non-socket file is in the way");
    }
    ::unlink(path.c_str());
  }

  auto impl = std::make_shared<Impl>(io, path, std::move(options));
  asio_error ec;
  impl->acceptor.open(stream_protocol(), ec);
  if (!ec) set_cloexec(impl->acceptor.native_handle());
  if (!ec) impl->acceptor.bind(stream_protocol::endpoint(path), ec);
  if (!ec) impl->acceptor.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec)
    return fail(Error::Kind::environment, "unable to listen on " + path + ": " + ec.message());
  if (::chmod(path.c_str(), impl->options.socket_mode) != 0) {
    return fail(Error::Kind::environment,
                "unable to chmod " + path + ": " + std::string(std::strerror(errno)));
  }
  struct stat bound {};
  if (::stat(path.c_str(), &bound) == 0) {
    impl->socket_dev = bound.st_dev;
    impl->socket_ino = bound.st_ino;
  }
  impl->accept();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { close(); }

void Server::on(std::string method, Handler handler, std::vector<uid_t> allowed_uids) {
  std::lock_guard lock(impl_->mutex);
  impl_->methods[std::move(method)] = MethodEntry{std::move(handler), std::move(allowed_uids)};
}

void Server::publish(std::string_view event, const json& data) {
  auto frame = encode_frame(make_event(event, data), impl_->options.max_frame);
  if (!frame) {
    log::error(log::Event{"ipc.publish_failed"}, "unable to publish an IPC event",
               {{"feed", event}, {"reason", frame.error().message}});
    return;
  }
  // Runs inline on the io_context thread, is queued from any other thread.
  boost::asio::dispatch(impl_->io,
                        [impl = impl_, event = std::string(event), frame = std::move(*frame)] {
                          impl->publish_frame(event, frame);
                        });
}

void Server::close() {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->closed.exchange(true)) return;
  }
  // Unlinked here, synchronously, so that a successor may listen on the same
  // path at once; but only if the file is still ours and not the successor's.
  struct stat current {};
  if (::lstat(impl_->path.c_str(), &current) == 0 && current.st_dev == impl_->socket_dev &&
      current.st_ino == impl_->socket_ino) {
    ::unlink(impl_->path.c_str());
  }
  if (impl_->io.stopped()) {
    impl_->close_sockets();  // nothing runs the io_context: no race
  } else {
    boost::asio::dispatch(impl_->io, [impl = impl_] { impl->close_sockets(); });
  }
}

const std::string& Server::path() const { return impl_->path; }

}  // namespace common::ipc
