#include "acmed/http01_responder.hpp"

#include "common/log.hpp"

namespace acmed {
namespace {

constexpr std::string_view kChallengePrefix = "/.well-known/acme-challenge/";

bool is_token(std::string_view token) {
  if (token.empty() || token.size() > 256) return false;
  for (char c : token) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Http01Responder::Http01Responder(const ChallengeBook& book) : book_(book) {
  // A challenge request is a bare GET: anything with a body is refused early.
  server_.set_payload_max_length(1024);
  server_.set_read_timeout(5, 0);
  server_.set_write_timeout(5, 0);
  server_.set_keep_alive_timeout(2);
  server_.set_keep_alive_max_count(10);
  route();
}

Http01Responder::~Http01Responder() { stop(); }

void Http01Responder::set_domain(std::string domain) {
  std::lock_guard lock(domain_mutex_);
  domain_ = std::move(domain);
}

void Http01Responder::route() {
  auto serve = [this](const httplib::Request& request, httplib::Response& response) {
    std::string_view path = request.path;
    if (request.method == "GET" || request.method == "HEAD") {
      if (path.starts_with(kChallengePrefix)) {
        std::string token(path.substr(kChallengePrefix.size()));
        auto key_authorization = is_token(token) ? book_.find(token) : std::nullopt;
        if (key_authorization) {
          response.set_content(*key_authorization, "application/octet-stream");
          common::log::info("http-01 challenge served", {{"token", token}});
        } else {
          response.status = 404;
          response.set_content("no such challenge\n", "text/plain");
        }
        return;
      }
    }
    std::string domain;
    {
      std::lock_guard lock(domain_mutex_);
      domain = domain_;
    }
    if (domain.empty()) {
      response.status = 404;
      return;
    }
    // request.target keeps the query string; it must be an origin-form path.
    std::string target = request.target.starts_with("/") ? request.target : "/";
    response.status = 301;
    response.set_header("Location", "https://" + domain + target);
  };
  server_.Get(".*", serve);
  server_.Post(".*", serve);
  server_.Put(".*", serve);
  server_.Delete(".*", serve);
  server_.Patch(".*", serve);
  server_.Options(".*", serve);
}

common::Status Http01Responder::start(int fd) {
  thread_ = std::thread([this, fd] {
    if (!server_.listen_on_fd(fd)) common::log::error("http-01 responder stopped listening");
  });
  // stop() only takes effect once the server runs; wait for that (briefly)
  // so that a stop right after start cannot leave the thread accepting.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server_.is_running()) {
    return common::fail(common::Error::Kind::environment,
                        "unable to start the http-01 responder: it did not start listening");
  }
  return {};
}

void Http01Responder::stop() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace acmed
