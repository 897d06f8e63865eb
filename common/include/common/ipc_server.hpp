#pragma once
// A Unix-socket request/response and publish/subscribe server on Boost.Asio.
// Every connection is checked with SO_PEERCRED against the socket's allowed
// uids before any byte is read; each method may narrow that list further.
// A slow or malicious client only ever costs its own connection: frames are
// size-capped, a started frame must complete within read_timeout, and writes
// to a subscriber that stops reading are bounded.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "common/error.hpp"
#include "common/ipc_frame.hpp"

namespace common::ipc {

struct Peer {
  uid_t uid = 0;
  gid_t gid = 0;
  pid_t pid = 0;
};

struct ServerOptions {
  std::vector<uid_t> allowed_uids;  // who may connect at all
  std::size_t max_frame = kDefaultMaxFrame;
  std::chrono::milliseconds read_timeout{5000};  // to finish a started frame
  std::size_t max_connections = 64;
  std::size_t max_queued_bytes = 8U << 20;  // per subscriber before it is dropped
  unsigned socket_mode = 0666;              // access is decided by SO_PEERCRED
};

// A handler returns the result object or an Error (sent as reply.error).
using Handler = std::function<Result<json>(const json& params, const Peer& peer)>;

class Server {
 public:
  // Binds and listens at path (an old socket file there is replaced).
  static Result<std::unique_ptr<Server>> listen(boost::asio::io_context& io, std::string path,
                                                ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Registers a method. allowed_uids empty: anyone the socket admits.
  void on(std::string method, Handler handler, std::vector<uid_t> allowed_uids = {});
  // Sends an event to every connection subscribed to it.
  void publish(std::string_view event, const json& data);
  void close();
  const std::string& path() const;

  struct Impl;

 private:
  explicit Server(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace common::ipc
