#include "lookalike_server.hpp"

#include <chrono>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace trafficcop_test {
namespace {

// google.rpc.Code names for the HTTP statuses the look-alikes send.
std::string status_name(int code) {
  switch (code) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 503:
      return "UNAVAILABLE";
    default:
      return "INTERNAL";
  }
}

std::string describe(const httplib::Request& request) {
  std::string line = request.method + " " + request.path;
  std::string query;
  for (const auto& [name, value] : request.params) {
    query += (query.empty() ? "?" : "&") + name + "=" + value;
  }
  return line + query;
}

}  // namespace

void rpc_error(httplib::Response& response, int code, const std::string& message) {
  response.status = code;
  response.set_content(
      nlohmann::json{
          {"error", {{"code", code}, {"message", message}, {"status", status_name(code)}}}}
          .dump(),
      "application/json; charset=UTF-8");
}

LookalikeServer::LookalikeServer() {
  server_.set_pre_routing_handler(
      [this](const httplib::Request& request, httplib::Response& response) {
        return screen(request, response);
      });
}

LookalikeServer::~LookalikeServer() { stop(); }

void LookalikeServer::start() {
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("look-alike: unable to listen on 127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // httplib's stop() does nothing until its loop runs: wait for the loop.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
}

void LookalikeServer::stop() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

void LookalikeServer::require_token(std::function<bool(const std::string&)> accept) {
  std::lock_guard lock(mutex_);
  accept_ = std::move(accept);
}

void LookalikeServer::fail_next(int count, int status, std::string path_part) {
  std::lock_guard lock(mutex_);
  faults_left_ = count;
  fault_status_ = status;
  fault_path_ = std::move(path_part);
}

std::vector<std::string> LookalikeServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t LookalikeServer::count_requests(const std::string& part) const {
  std::size_t n = 0;
  for (const auto& line : requests()) n += line.find(part) != std::string::npos ? 1 : 0;
  return n;
}

httplib::Server::HandlerResponse LookalikeServer::screen(const httplib::Request& request,
                                                         httplib::Response& response) {
  using Handled = httplib::Server::HandlerResponse;
  std::lock_guard lock(mutex_);
  requests_.push_back(describe(request));
  if (faults_left_ > 0 && request.path.find(fault_path_) != std::string::npos) {
    --faults_left_;
    rpc_error(response, fault_status_, "injected fault");
    return Handled::Handled;
  }
  if (!accept_) return Handled::Unhandled;
  const std::string authorization = request.get_header_value("Authorization");
  const std::string token =
      authorization.starts_with("Bearer ") ? authorization.substr(7) : std::string();
  if (token.empty() || !accept_(token)) {
    response.set_header("WWW-Authenticate",
                        "Bearer realm=\"https://accounts.google.com/\", "
                        "error=\"invalid_token\"");
    rpc_error(response, 401,
              "Request had invalid authentication credentials. Expected OAuth 2 access token, "
              "login cookie or other valid authentication credential.");
    return Handled::Handled;
  }
  return Handled::Unhandled;
}

}  // namespace trafficcop_test
