#include "acmed/order.hpp"

#include <algorithm>

#include "acmed/chain_selection.hpp"
#include "common/crypto.hpp"
#include "common/log.hpp"
#include "common/x509.hpp"

namespace acmed {
namespace {

using common::Error;
using common::fail;
using common::log::Event;
namespace crypto = common::crypto;

std::string text_member(const common::json& object, std::string_view key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

std::vector<std::string> string_array(const common::json& object, std::string_view key) {
  std::vector<std::string> values;
  if (!object.is_object()) return values;
  auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return values;
  for (const auto& item : *it) {
    if (item.is_string()) values.push_back(item.get<std::string>());
  }
  return values;
}

// The identifier's value of an authorization, for messages.
std::string identifier_name(const common::json& authz) {
  if (!authz.is_object()) return {};
  auto it = authz.find("identifier");
  if (it == authz.end()) return {};
  return text_member(*it, "value");
}

// The problem embedded in an order, authorization or challenge ("error").
std::string embedded_problem(const common::json& object) {
  if (!object.is_object()) return "no detail";
  auto it = object.find("error");
  if (it == object.end() || !it->is_object()) return "no detail";
  return parse_problem(common::dump_json(*it), 0).describe();
}

class OrderMachine {
 public:
  OrderMachine(AcmeTransport& transport, const Directory& directory, const Account& account,
               ChallengeBook& book, const OrderRequest& request, const PollPolicy& poll,
               StopSignal& stop, const OrderJournal& journal)
      : transport_(transport),
        directory_(directory),
        account_(account),
        book_(book),
        request_(request),
        poll_(poll),
        stop_(stop),
        journal_(journal),
        deadline_(std::chrono::steady_clock::now() + poll.order_deadline) {}

  common::Result<IssuedCertificate> run() {
    // The key and CSR first: a CSR we cannot build must not cost an order
    // (Let's Encrypt counts new orders per account).
    if (auto prepared = prepare_request(); !prepared) return std::unexpected(prepared.error());
    if (auto created = create(); !created) return std::unexpected(created.error());
    return advance();
  }

  common::Result<IssuedCertificate> resume(const ResumedOrder& saved) {
    auto key = crypto::load_private_key_pem(saved.key_pem);
    if (!key) return std::unexpected(common::wrap(key.error(), "unable to resume the order"));
    if (auto prepared = prepare_request(std::move(*key)); !prepared) {
      return std::unexpected(prepared.error());
    }
    order_url_ = saved.url;
    finalized_ = true;  // perhaps: a valid order is then downloaded with this key
    auto response = post_as_get(order_url_);
    if (!response)
      return std::unexpected(common::wrap(response.error(), "unable to resume the order"));
    order_ = response->body;
    common::log::info(Event{"order.resumed"}, "order resumed",
                      {{"order", order_url_}, {"status", text_member(order_, "status")}});
    return advance();
  }

 private:
  // The order's state machine: one step per status until valid or invalid.
  common::Result<IssuedCertificate> advance() {
    for (;;) {
      switch (parse_order_status(text_member(order_, "status"))) {
        case OrderStatus::pending:
          if (auto done = authorize_all(); !done) return std::unexpected(done.error());
          if (auto polled = poll_order(OrderStatus::pending); !polled) {
            return std::unexpected(polled.error());
          }
          break;
        case OrderStatus::ready:
          if (auto finalized = finalize(); !finalized) return std::unexpected(finalized.error());
          break;
        case OrderStatus::processing:
          if (auto polled = poll_order(OrderStatus::processing); !polled) {
            return std::unexpected(polled.error());
          }
          break;
        case OrderStatus::valid:
          return download();
        case OrderStatus::invalid:
          return fail(
              Error::Kind::environment,
              "unable to complete the order: it became invalid: " + embedded_problem(order_));
        case OrderStatus::unknown:
          return fail(Error::Kind::invalid_input,
                      "unable to complete the order: unknown status \"" +
                          text_member(order_, "status") + "\"");
      }
    }
  }

  common::Result<AcmeResponse> post_as_get(const std::string& url, std::string_view accept = {}) {
    return transport_.post(url, account_.key.get(), account_.url, std::nullopt, accept);
  }

  common::Status create() {
    common::json identifiers = common::json::array();
    for (const auto& name : request_.names) {
      identifiers.push_back({{"type", "dns"}, {"value", name}});
    }
    common::json payload{{"identifiers", identifiers}};
    if (!request_.profile.empty()) payload["profile"] = request_.profile;
    if (!request_.replaces.empty()) payload["replaces"] = request_.replaces;
    auto response =
        transport_.post(directory_.new_order, account_.key.get(), account_.url, payload);
    if (!response)
      return std::unexpected(common::wrap(response.error(), "unable to create an order"));
    order_url_ = response->location();
    order_ = response->body;
    if (order_url_.empty() || !order_.is_object()) {
      return fail(Error::Kind::environment,
                  "unable to create an order: the response has no Location or no order object");
    }
    common::log::info(Event{"order.created"}, "order created",
                      {{"order", order_url_},
                       {"status", text_member(order_, "status")},
                       {"replaces", request_.replaces}});
    return {};
  }

  // Waits before the next poll: the server's Retry-After when it sent one
  // (honoured however long, up to a sanity cap), else a delay that doubles
  // from poll_.first to poll_.longest. A wait past the order's deadline ends
  // the order, and a Retry-After is then handed to the scheduler so that the
  // next attempt does not come before the CA's time either.
  common::Status pause(const AcmeResponse& response, std::chrono::milliseconds& fallback) {
    auto now = Clock::now();
    std::chrono::milliseconds delay = fallback;
    const auto until = response.retry_after();
    if (until) {
      delay = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(*until - now),
                         poll_.first, poll_.max_retry_after);
    }
    fallback = std::min(fallback * 2, poll_.longest);
    if (std::chrono::steady_clock::now() + delay > deadline_) {
      if (until) transport_.defer_until(now + delay);
      return fail(Error::Kind::environment,
                  "unable to complete the order: " +
                      std::string(until ? "the CA's Retry-After is past the order's deadline of "
                                        : "gave up after ") +
                      std::to_string(poll_.order_deadline.count()) + " s");
    }
    if (!stop_.wait_for(delay)) return fail(Error::Kind::environment, "stopping");
    return {};
  }

  common::Status poll_order(OrderStatus leave) {
    auto fallback = poll_.first;
    AcmeResponse last{};
    bool first = true;
    for (;;) {
      if (!first) {
        if (auto waited = pause(last, fallback); !waited) return waited;
      }
      first = false;
      auto response = post_as_get(order_url_);
      if (!response)
        return std::unexpected(common::wrap(response.error(), "unable to poll the order"));
      order_ = response->body;
      if (parse_order_status(text_member(order_, "status")) != leave) return {};
      last = std::move(*response);
    }
  }

  common::Status authorize_all() {
    for (const auto& url : string_array(order_, "authorizations")) {
      if (auto done = authorize(url); !done) return done;
    }
    return {};
  }

  common::Status authorize(const std::string& url) {
    auto authz = post_as_get(url);
    if (!authz)
      return std::unexpected(common::wrap(authz.error(), "unable to fetch an authorization"));
    const std::string status = text_member(authz->body, "status");
    const std::string name = identifier_name(authz->body);
    if (status == "valid") return {};
    if (status != "pending") {
      return fail(Error::Kind::environment, "unable to authorize " + name + ": authorization is " +
                                                status + ": " + challenge_problem(authz->body));
    }
    const common::json* challenge = find_http01(authz->body);
    if (challenge == nullptr) {
      return fail(Error::Kind::invalid_input,
                  "unable to authorize " + name + ": the CA offers no http-01 challenge");
    }
    const std::string token = text_member(*challenge, "token");
    const std::string challenge_url = text_member(*challenge, "url");
    if (token.empty() || challenge_url.empty()) {
      return fail(Error::Kind::invalid_input,
                  "unable to authorize " + name + ": the http-01 challenge lacks token or url");
    }
    auto key_authorization = key_authorization_for(token);
    if (!key_authorization) return std::unexpected(key_authorization.error());
    OfferedChallenge offered(book_, token, *key_authorization);
    if (text_member(*challenge, "status") == "pending") {
      // The empty object tells the CA we are ready (RFC 8555 §7.5.1).
      auto ready =
          transport_.post(challenge_url, account_.key.get(), account_.url, common::json::object());
      if (!ready)
        return std::unexpected(
            common::wrap(ready.error(), "unable to answer the challenge for " + name));
    }
    common::log::info(Event{"challenge.offered"}, "http-01 challenge offered",
                      {{"name", name}, {"authorization", url}});
    return wait_for_authorization(url, name);
  }

  common::Status wait_for_authorization(const std::string& url, const std::string& name) {
    auto fallback = poll_.first;
    for (;;) {
      auto authz = post_as_get(url);
      if (!authz)
        return std::unexpected(
            common::wrap(authz.error(), "unable to poll the authorization of " + name));
      const std::string status = text_member(authz->body, "status");
      if (status == "valid") {
        common::log::info(Event{"authorization.valid"}, "authorization valid", {{"name", name}});
        return {};
      }
      if (status != "pending") {
        std::string problem = challenge_problem(authz->body);
        common::log::error(Event{"challenge.failed"}, "unable to validate the name with http-01",
                           {{"name", name}, {"status", status}, {"reason", problem}});
        return fail(Error::Kind::environment,
                    "unable to validate " + name + " with http-01: " + problem);
      }
      if (auto waited = pause(*authz, fallback); !waited) return waited;
    }
  }

  static const common::json* find_http01(const common::json& authz) {
    if (!authz.is_object()) return nullptr;
    auto challenges = authz.find("challenges");
    if (challenges == authz.end() || !challenges->is_array()) return nullptr;
    for (const auto& challenge : *challenges) {
      if (challenge.is_object() && text_member(challenge, "type") == "http-01") return &challenge;
    }
    return nullptr;
  }

  static std::string challenge_problem(const common::json& authz) {
    if (!authz.is_object()) return "no detail";
    auto challenges = authz.find("challenges");
    if (challenges != authz.end() && challenges->is_array()) {
      for (const auto& challenge : *challenges) {
        if (challenge.is_object() && challenge.contains("error"))
          return embedded_problem(challenge);
      }
    }
    return embedded_problem(authz);
  }

  common::Result<std::string> key_authorization_for(const std::string& token) {
    auto jwk = crypto::p256_public_jwk(account_.key.get());
    if (!jwk) return std::unexpected(jwk.error());
    return token + "." + crypto::base64url(crypto::jwk_thumbprint(*jwk));
  }

  common::Status prepare_request(crypto::Key key = {}) {
    if (!key) {
      auto fresh = crypto::generate_p256();
      if (!fresh) {
        return std::unexpected(common::wrap(fresh.error(), "unable to create the certificate key"));
      }
      key = std::move(*fresh);
    }
    auto csr = common::x509::csr_der(key.get(), names_for_request(request_.names));
    if (!csr) return std::unexpected(common::wrap(csr.error(), "unable to build the CSR"));
    certificate_key_ = std::move(key);
    csr_der_ = std::move(*csr);
    return {};
  }

  common::Status finalize() {
    const std::string finalize_url = text_member(order_, "finalize");
    if (finalize_url.empty())
      return fail(Error::Kind::invalid_input, "unable to finalize: no finalize URL");
    if (journal_.finalizing) {
      auto key_pem = crypto::private_key_pem(certificate_key_.get());
      if (!key_pem) return std::unexpected(key_pem.error());
      journal_.finalizing(order_url_, *key_pem);
    }
    auto response = transport_.post(finalize_url, account_.key.get(), account_.url,
                                    common::json{{"csr", crypto::base64url(csr_der_)}});
    if (!response)
      return std::unexpected(common::wrap(response.error(), "unable to finalize the order"));
    finalized_ = true;
    if (response->body.is_object()) order_ = response->body;
    common::log::info(Event{"order.finalized"}, "order finalized",
                      {{"order", order_url_}, {"status", text_member(order_, "status")}});
    if (stop_.requested()) return fail(Error::Kind::environment, "stopping");
    return {};
  }

  common::Result<IssuedCertificate> download() {
    if (!finalized_) {
      return fail(Error::Kind::invalid_input,
                  "unable to download: order valid before we finalized it");
    }
    const std::string url = text_member(order_, "certificate");
    if (url.empty())
      return fail(Error::Kind::invalid_input, "unable to download: no certificate URL");
    constexpr std::string_view kPemChain = "application/pem-certificate-chain";
    auto response = post_as_get(url, kPemChain);
    if (!response)
      return std::unexpected(common::wrap(response.error(), "unable to download the certificate"));
    std::string chain = response->http.body;
    if (!request_.preferred_issuer.empty() &&
        !chain_matches_issuer(chain, request_.preferred_issuer)) {
      chain = preferred_alternate(*response).value_or(chain);
    }
    auto checked = check_leaf(chain);
    if (!checked) return std::unexpected(checked.error());
    auto key_pem = crypto::private_key_pem(certificate_key_.get());
    if (!key_pem) return std::unexpected(key_pem.error());
    return IssuedCertificate{std::move(chain), std::move(*key_pem)};
  }

  std::optional<std::string> preferred_alternate(const AcmeResponse& response) {
    for (const auto& url : links_with_rel(response.http.headers_named("link"), "alternate")) {
      auto alternate = post_as_get(url, "application/pem-certificate-chain");
      if (alternate && chain_matches_issuer(alternate->http.body, request_.preferred_issuer)) {
        common::log::info(Event{"chain.alternate_chosen"}, "using the preferred issuer's chain",
                          {{"issuer", request_.preferred_issuer}, {"chain", url}});
        return alternate->http.body;
      }
    }
    common::log::warning(Event{"chain.preferred_missing"},
                         "unable to find a chain from the preferred issuer",
                         {{"issuer", request_.preferred_issuer}});
    return std::nullopt;
  }

  // The CA must have certified our key for our names; anything else is refused.
  common::Status check_leaf(const std::string& chain) {
    auto leaf = common::x509::describe_leaf_pem(chain);
    if (!leaf)
      return std::unexpected(common::wrap(leaf.error(), "unable to read the issued certificate"));
    auto ours = crypto::spki_sha256(certificate_key_.get());
    if (!ours) return std::unexpected(ours.error());
    if (leaf->spki_sha256 != *ours) {
      return fail(Error::Kind::invalid_input,
                  "unable to accept the certificate: it is not for our key");
    }
    for (const auto& name : request_.names) {
      if (std::find(leaf->dns_names.begin(), leaf->dns_names.end(), name) ==
          leaf->dns_names.end()) {
        return fail(Error::Kind::invalid_input,
                    "unable to accept the certificate: it lacks " + name);
      }
    }
    return {};
  }

  AcmeTransport& transport_;
  const Directory& directory_;
  const Account& account_;
  ChallengeBook& book_;
  const OrderRequest& request_;
  const PollPolicy& poll_;
  StopSignal& stop_;
  const OrderJournal& journal_;
  std::chrono::steady_clock::time_point deadline_;
  std::string order_url_;
  common::json order_;
  crypto::Key certificate_key_;
  std::string csr_der_;
  bool finalized_ = false;
};

}  // namespace

std::vector<std::string> names_for_request(const std::vector<std::string>& names) {
  std::vector<std::string> ordered = names;
  auto fits = std::find_if(ordered.begin(), ordered.end(),
                           [](const std::string& name) { return name.size() <= kMaxCommonName; });
  if (fits != ordered.end()) std::rotate(ordered.begin(), fits, fits + 1);
  return ordered;
}

OrderStatus parse_order_status(std::string_view status) {
  if (status == "pending") return OrderStatus::pending;
  if (status == "ready") return OrderStatus::ready;
  if (status == "processing") return OrderStatus::processing;
  if (status == "valid") return OrderStatus::valid;
  if (status == "invalid") return OrderStatus::invalid;
  return OrderStatus::unknown;
}

common::Result<IssuedCertificate> issue_certificate(AcmeTransport& transport,
                                                    const Directory& directory,
                                                    const Account& account, ChallengeBook& book,
                                                    const OrderRequest& request,
                                                    const PollPolicy& poll, StopSignal& stop,
                                                    const OrderJournal& journal) {
  return OrderMachine(transport, directory, account, book, request, poll, stop, journal).run();
}

common::Result<IssuedCertificate> resume_order(AcmeTransport& transport, const Directory& directory,
                                               const Account& account, ChallengeBook& book,
                                               const OrderRequest& request, const PollPolicy& poll,
                                               StopSignal& stop, const ResumedOrder& order,
                                               const OrderJournal& journal) {
  return OrderMachine(transport, directory, account, book, request, poll, stop, journal)
      .resume(order);
}

}  // namespace acmed
