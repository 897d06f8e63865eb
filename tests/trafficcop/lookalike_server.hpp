#pragma once
// What the Google API look-alikes share: a cpp-httplib server on
// 127.0.0.1:<any port> in its own thread, the bearer-token check every
// Google API makes (401 UNAUTHENTICATED otherwise), google.rpc error bodies
// ({"error":{"code","message","status"}}) and injected faults.

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

namespace trafficcop_test {

// A google.rpc.Status error answer, as Google's JSON APIs send it.
void rpc_error(httplib::Response& response, int code, const std::string& message);

class LookalikeServer {
 public:
  LookalikeServer();
  virtual ~LookalikeServer();
  LookalikeServer(const LookalikeServer&) = delete;
  LookalikeServer& operator=(const LookalikeServer&) = delete;

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Bearer tokens this API accepts; unset: the API takes no token (OAuth).
  void require_token(std::function<bool(const std::string&)> accept);
  // The next `count` requests whose path contains `path_part` get `status`
  // with a google.rpc body (429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE, ...).
  void fail_next(int count, int status, std::string path_part = "");
  // Every request's "METHOD path?query", faulted and refused ones too.
  std::vector<std::string> requests() const;
  std::size_t count_requests(const std::string& part) const;

 protected:
  httplib::Server& server() { return server_; }
  void start();  // after the routes are installed
  void stop();

 private:
  httplib::Server::HandlerResponse screen(const httplib::Request& request,
                                          httplib::Response& response);

  mutable std::mutex mutex_;
  std::function<bool(const std::string&)> accept_;
  int faults_left_ = 0;
  int fault_status_ = 0;
  std::string fault_path_;
  std::vector<std::string> requests_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace trafficcop_test
