#include "acmed/acme_transport.hpp"

#include "acmed/jws.hpp"
#include "common/log.hpp"

namespace acmed {
namespace {

using common::Error;

constexpr std::string_view kUserAgent = "acmed (paypal-appliance)";

Error::Kind kind_for_status(long status) {
  if (status >= 500 || status == 429) return Error::Kind::environment;
  if (status == 401 || status == 403) return Error::Kind::permission;
  if (status == 404) return Error::Kind::not_found;
  return Error::Kind::invalid_input;
}

bool is_success(long status) { return status >= 200 && status < 300; }

AcmeResponse to_response(common::HttpResponse http) {
  AcmeResponse response{std::move(http), nullptr};
  auto type = response.http.header("content-type").value_or("");
  if (type.find("json") != std::string::npos) {
    if (auto parsed = common::parse_json(response.http.body)) response.body = std::move(*parsed);
  }
  return response;
}

}  // namespace

std::optional<Clock::time_point> AcmeResponse::retry_after() const {
  auto value = http.header("retry-after");
  if (!value) return std::nullopt;
  return parse_retry_after(*value, Clock::now());
}

common::HttpRequest AcmeTransport::base_request(std::string method, const std::string& url) const {
  common::HttpRequest request;
  request.method = std::move(method);
  request.url = url;
  request.ca_pem = options_.ca_pem;
  request.timeout = options_.timeout;
  request.headers.emplace_back("User-Agent", std::string(kUserAgent));
  return request;
}

std::optional<Clock::time_point> AcmeTransport::take_retry_after() {
  auto value = retry_after_;
  retry_after_.reset();
  return value;
}

common::Error AcmeTransport::failure(std::string_view method, const std::string& url,
                                     const common::HttpResponse& response) {
  Problem problem = parse_problem(response.body, response.status);
  const bool rate_limited =
      response.status == 429 || response.status == 503 || problem.is("rateLimited");
  if (rate_limited) {
    auto header = response.header("retry-after");
    if (auto until = header ? parse_retry_after(*header, Clock::now()) : std::nullopt) {
      if (!retry_after_ || *until > *retry_after_) retry_after_ = until;
    }
  }
  common::log::warning(common::log::Event{"acme.problem"}, "acme server returned a problem",
                       {{"type", problem.type},
                        {"detail", problem.detail},
                        {"status", response.status},
                        {"method", method},
                        {"url", url},
                        {"retry_after", rate_limited && retry_after_
                                            ? common::log::Value(format_rfc3339(*retry_after_))
                                            : common::log::Value(nullptr)}});
  Error error{kind_for_status(response.status),
              "unable to " + std::string(method) + " " + url + ": " + problem.describe()};
  last_problem_ = std::move(problem);
  return error;
}

common::Result<Directory> AcmeTransport::fetch_directory(const std::string& url) {
  auto response = get(url);
  if (!response) return std::unexpected(response.error());
  auto directory = parse_directory(response->body);
  if (!directory) return std::unexpected(common::wrap(directory.error(), "unable to read " + url));
  new_nonce_url_ = directory->new_nonce;
  return directory;
}

common::Result<AcmeResponse> AcmeTransport::get(const std::string& url) {
  last_problem_.reset();
  auto http = common::http_request(base_request("GET", url));
  if (!http) return std::unexpected(common::wrap(http.error(), "unable to GET " + url));
  nonces_.remember(*http);
  if (!is_success(http->status)) return std::unexpected(failure("GET", url, *http));
  return to_response(std::move(*http));
}

common::Result<std::string> AcmeTransport::fresh_nonce() {
  if (auto nonce = nonces_.take()) return *nonce;
  if (new_nonce_url_.empty()) {
    return common::fail(Error::Kind::internal, "unable to get a nonce: no directory yet");
  }
  // GET (not HEAD) on newNonce: RFC 8555 §7.2 allows both; GET keeps the
  // HTTP client simple and answers 204 with the nonce.
  auto http = common::http_request(base_request("GET", new_nonce_url_));
  if (!http) return std::unexpected(common::wrap(http.error(), "unable to get a nonce"));
  if (!is_success(http->status)) return std::unexpected(failure("GET", new_nonce_url_, *http));
  auto nonce = http->header("replay-nonce");
  if (!nonce || !is_valid_nonce(*nonce)) {
    return common::fail(Error::Kind::environment,
                        "unable to get a nonce: newNonce answered without Replay-Nonce");
  }
  return *nonce;
}

common::Result<AcmeResponse> AcmeTransport::post(const std::string& url, EVP_PKEY* key,
                                                 const std::string& kid,
                                                 const std::optional<common::json>& payload,
                                                 std::string_view accept) {
  last_problem_.reset();
  for (int attempt = 0;; ++attempt) {
    auto nonce = fresh_nonce();
    if (!nonce) return std::unexpected(nonce.error());
    auto jws = sign_es256(key, JwsHeader{*nonce, url, kid}, payload);
    if (!jws) return std::unexpected(jws.error());
    auto request = base_request("POST", url);
    request.headers.emplace_back("Content-Type", "application/jose+json");
    if (!accept.empty()) request.headers.emplace_back("Accept", std::string(accept));
    request.body = common::dump_json(*jws);
    auto http = common::http_request(request);
    if (!http) return std::unexpected(common::wrap(http.error(), "unable to POST " + url));
    nonces_.remember(*http);
    if (is_success(http->status)) return to_response(std::move(*http));
    Problem problem = parse_problem(http->body, http->status);
    if (problem.is("badNonce") && attempt < options_.max_bad_nonce_retries) {
      // Expected now and then (RFC 8555 §6.5): the response carries the
      // nonce to use, which remember() has just put first in the pool.
      common::log::info(common::log::Event{"acme.nonce_rejected"}, "acme server rejected a nonce",
                        {{"url", url}, {"attempt", attempt + 1}});
      continue;
    }
    return std::unexpected(failure("POST", url, *http));
  }
}

}  // namespace acmed
