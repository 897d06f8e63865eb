#pragma once
// The consumer side of acmed's certificate feed, shared by every TLS server
// (authd on 443, attestd on 8443): each Certificate acmed sends is checked
// against what it claims (the leaf's key digest and expiry) and installed in
// the server's CertificateStore, unless it would be a step back.
//
// A step back is a self-signed certificate replacing an unexpired CA-issued
// one for the same names: what a restarted acmed sends while it waits for the
// CA (days, if a rate limit is hit). The CA's certificate stays in force.

#include <chrono>
#include <functional>
#include <memory>

#include <boost/asio/io_context.hpp>

#include "common/error.hpp"
#include "common/ipc_client.hpp"
#include "common/ipc_contracts.hpp"
#include "common/tls_identity.hpp"

namespace common {

enum class CertificateDecision { install, keep_current };

// Pure: what to do with `incoming` given what is served now.
CertificateDecision decide_certificate(const std::optional<CertificateStore::Summary>& current,
                                       bool incoming_self_signed,
                                       const std::vector<std::string>& incoming_names,
                                       std::chrono::sys_seconds now);

// Checks `incoming` (its spki_sha256 and not_after are the leaf's, its key
// is the leaf's key) and installs it unless decide_certificate() keeps the
// current one. Returns whether it was installed.
Result<bool> accept_certificate(CertificateStore& store, const contract::Certificate& incoming,
                                std::chrono::sys_seconds now);

// Follows acmed's feed into `store` until destroyed; on_installed runs after
// each installed certificate (on io's thread).
std::unique_ptr<ipc::Subscriber> follow_acmed_certificate(
    boost::asio::io_context& io, std::shared_ptr<CertificateStore> store,
    std::function<void()> on_installed = {});

}  // namespace common
