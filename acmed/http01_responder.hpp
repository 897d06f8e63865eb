#pragma once
// Port 80 and nothing else (RFC 8555 §8.3): GET /.well-known/acme-challenge/
// <token> answers the key authorization while an order offers it; every other
// request is redirected with 301 to https://<domain><path>. The Host header
// is never echoed into the redirect (that would make an open redirector).
// Requests are small and slow clients are cut off (common/http_server.hpp:
// the same bounded front as 443 and 8443), so that a crowd of slow
// connections cannot keep the CA's validation from being answered.

#include <memory>
#include <string>
#include <thread>

#include "acmed/challenge_book.hpp"
#include "common/error.hpp"
#include "common/http_server.hpp"

namespace acmed {

class Http01Responder {
 public:
  explicit Http01Responder(const ChallengeBook& book);
  ~Http01Responder();
  Http01Responder(const Http01Responder&) = delete;
  Http01Responder& operator=(const Http01Responder&) = delete;

  // The redirect target's host; until it is known, non-challenge requests
  // get 404 (there is nowhere safe to send them).
  void set_domain(std::string domain);
  // Serves the listening socket `fd` on a thread of its own.
  common::Status start(int fd);
  void stop();

 private:
  void serve(const common::http::Request& request, common::http::Response& response);
  const ChallengeBook& book_;
  std::unique_ptr<common::http::Server> server_;
  std::mutex domain_mutex_;
  std::string domain_;
  std::thread thread_;
};

}  // namespace acmed
