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
  common::http::Router router;
  router.fallback([this](const auto& request, auto& response) { serve(request, response); },
                  common::http::Dispatch::io_thread);
  // A challenge request is a bare GET: anything with a body is refused early.
  common::http::ServerOptions options;
  options.max_body_bytes = 1024;
  options.head_timeout = std::chrono::seconds(5);
  options.idle_timeout = std::chrono::seconds(2);
  options.write_timeout = std::chrono::seconds(5);
  options.max_requests_per_connection = 10;
  options.worker_threads = 1;  // every handler here runs on the I/O threads
  server_ = std::make_unique<common::http::Server>(std::move(router), nullptr, options);
}

Http01Responder::~Http01Responder() { stop(); }

void Http01Responder::set_domain(std::string domain) {
  std::lock_guard lock(domain_mutex_);
  domain_ = std::move(domain);
}

void Http01Responder::serve(const common::http::Request& request,
                            common::http::Response& response) {
  std::string_view path = request.path;
  if ((request.method == "GET" || request.method == "HEAD") && path.starts_with(kChallengePrefix)) {
    std::string token(path.substr(kChallengePrefix.size()));
    auto key_authorization = is_token(token) ? book_.find(token) : std::nullopt;
    if (key_authorization) {
      response.set_content(*key_authorization, "application/octet-stream");
      common::log::info(common::log::Event{"challenge.served"}, "http-01 challenge served",
                        {{"token", token}});
    } else {
      response.status = 404;
      response.set_content("no such challenge\n", "text/plain");
    }
    return;
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
  // The server admits only origin-form targets (a path with its query).
  response.status = 301;
  response.set_header("Location", "https://" + domain + request.target);
}

common::Status Http01Responder::start(int fd) {
  if (auto adopted = server_->adopt(fd); !adopted) {
    return std::unexpected(common::wrap(adopted.error(), "unable to start the http-01 responder"));
  }
  thread_ = std::thread([this] { server_->run(); });
  return {};
}

void Http01Responder::stop() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace acmed
