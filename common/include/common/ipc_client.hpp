#pragma once
// Clients for the IPC server: a blocking one for tools and tests, and an
// asynchronous, reconnecting subscriber for daemons that follow a value
// (acmed's certificate, authd's JWKS) over its lifetime.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "common/error.hpp"
#include "common/ipc_contracts.hpp"
#include "common/ipc_frame.hpp"

namespace common::ipc {

class Client {
 public:
  static Result<Client> connect(const std::string& path,
                                std::chrono::milliseconds timeout = std::chrono::seconds(5));
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();

  // Sends a request and waits for its reply; events that arrive meanwhile are
  // queued for next_event(). A reply.error becomes an Error (permission for
  // "forbidden", invalid_input for bad_request, environment otherwise).
  Result<json> call(std::string_view method, const json& params = json::object());
  Status subscribe(const std::vector<std::string>& events);
  // Waits for the next pushed event: {"event": name, "data": ...}.
  Result<json> next_event(std::chrono::milliseconds timeout);

 private:
  Client(int fd, std::chrono::milliseconds timeout);
  Result<json> read_message();
  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::uint64_t next_id_ = 1;
  FrameDecoder decoder_;
  std::vector<json> pending_events_;
};

// Follows one value: on every (re)connection it subscribes to `event`, then
// calls `fetch_method`, and hands the result and each event's data to
// on_value, in order. Reconnects with exponential back-off and jitter.
class Subscriber {
 public:
  using Callback = std::function<void(const json& value)>;
  Subscriber(boost::asio::io_context& io, std::string path, std::string fetch_method,
             std::string event, Callback on_value);
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;
  void start();
  void stop();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// A payload that does not decode is logged (event "ipc.payload_rejected")
// and dropped; the last good value stays in force.
void log_rejected_payload(std::string_view event, const Error& error);

// Follows a contract's feed (ipc::Publisher on the other side): on_value gets
// each value already decoded, in order, on `io`'s thread. Already started;
// destroying it stops following.
template <class Payload>
std::unique_ptr<Subscriber> follow(boost::asio::io_context& io,
                                   const contract::Feed<Payload>& feed,
                                   std::function<void(Payload)> on_value) {
  auto subscriber = std::make_unique<Subscriber>(
      io, contract::socket_path(feed.endpoint.socket), std::string(feed.get),
      std::string(feed.updated),
      [event = feed.updated, on_value = std::move(on_value)](const json& data) {
        auto value = Payload::from_json(data);
        if (!value) {
          log_rejected_payload(event, value.error());
          return;
        }
        on_value(std::move(*value));
      });
  subscriber->start();
  return subscriber;
}

}  // namespace common::ipc
