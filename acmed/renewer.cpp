#include "acmed/renewer.hpp"

#include <algorithm>

#include "acmed/config_change.hpp"
#include "common/crypto.hpp"
#include "common/log.hpp"
#include "common/notify.hpp"
#include "common/x509.hpp"

namespace acmed {
namespace {

using common::log::Event;
using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

// StopSignal waits on the steady clock; decisions are in wall-clock time
// (certificates and ARI windows are). Convert at the last moment.
std::chrono::steady_clock::time_point to_steady(Clock::time_point wake) {
  auto delay = wake - Clock::now();
  if (delay < Clock::duration::zero()) delay = Clock::duration::zero();
  return std::chrono::steady_clock::now() +
         duration_cast<std::chrono::steady_clock::duration>(delay);
}

bool same_names(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

std::string join_url(const std::string& base, const std::string& path) {
  if (!base.empty() && base.back() == '/') return base + path;
  return base + "/" + path;
}

}  // namespace

Renewer::Renewer(RenewerOptions options, const common::MetadataClient& metadata,
                 ChallengeBook& book, Http01Responder& responder, CertificateHandoff& handoff,
                 StopSignal& stop, ConfigInbox& inbox)
    : options_(std::move(options)),
      book_(book),
      responder_(responder),
      handoff_(handoff),
      stop_(stop),
      follower_(FollowerOptions{options_.config_source, options_.config_poll,
                                options_.retry_initial, options_.retry_max},
                metadata, inbox, stop),
      backoff_(options_.retry_initial, options_.retry_max),
      random_(std::random_device{}()),
      state_(options_.state_dir) {}

void Renewer::run() {
  if (!follower_.load()) return;
  responder_.set_domain(config().domains.front());
  restore_state();
  transport_.emplace(TransportOptions{config().ca_pem});
  while (!stop_.requested()) {
    const auto wake = cycle();
    if (!sleep_until(wake)) return;
  }
}

// Sleeps until `wake`, applying configurations as they arrive; ends early
// when one wants a new certificate. False when stopping.
bool Renewer::sleep_until(Clock::time_point wake) {
  for (;;) {
    // Look before waiting: an order's polling may have taken the wake-up
    // of a configuration that arrived while it ran.
    if (follow_configuration()) return true;
    if (Clock::now() >= wake) return true;
    auto deadline = to_steady(wake);
    if (auto poll = follower_.next_poll()) deadline = std::min(deadline, *poll);
    if (!stop_.wait_until(deadline)) return false;
  }
}

// Applies what the follower adopted; true when the change wants a new
// certificate now.
bool Renewer::follow_configuration() {
  const auto change = follower_.next_change();
  if (!change) return false;
  responder_.set_domain(config().domains.front());
  if (change->account) {
    // Another CA (or binding): the account and its trust anchor go with it.
    transport_.emplace(TransportOptions{config().ca_pem});
    account_.reset();
    ari_.reset();
  } else if (change->contacts && account_) {
    // The account's contacts are updated in place (RFC 8555 §7.3.2); on a
    // failure the next account created carries them anyway.
    if (auto updated = update_account_contacts(*transport_, *account_, config().contacts);
        !updated) {
      common::log::warning(Event{"account.contacts_kept"},
                           "unable to update the account's contacts",
                           {{"reason", updated.error().message}});
    }
  }
  if (!change->needs_new_order()) return false;
  reorder_ = true;
  backoff_.reset();
  if (!current_ && change->names) serve_bootstrap();  // for the new names meanwhile
  return true;
}

// Until the CA answers, authd and attestd still need something to serve:
// a self-signed certificate for the configured names, flagged as such.
void Renewer::serve_bootstrap() {
  auto key = common::crypto::generate_p256();
  if (!key) {
    common::log::critical(Event{"certificate.bootstrap_failed"},
                          "unable to create the bootstrap certificate",
                          {{"reason", key.error().message}});
    return;
  }
  auto chain = common::x509::self_signed_pem(key->get(), names_for_request(config().domains),
                                             options_.bootstrap_validity);
  auto key_pem = common::crypto::private_key_pem(key->get());
  if (!chain || !key_pem) {
    common::log::critical(Event{"certificate.bootstrap_failed"},
                          "unable to create the bootstrap certificate",
                          {{"reason", !chain ? chain.error().message : key_pem.error().message}});
    return;
  }
  if (auto published = handoff_.publish({*chain, *key_pem, true}); !published) {
    common::log::critical(Event{"certificate.bootstrap_failed"},
                          "unable to publish the bootstrap certificate",
                          {{"reason", published.error().message}});
    return;
  }
  common::log::notice(Event{"certificate.bootstrap_served"},
                      "serving a self-signed bootstrap certificate");
}

Clock::time_point Renewer::cycle() {
  auto directory = transport_->fetch_directory(config().directory_url);
  if (!directory) return after_failure(directory.error());
  if (current_ && !reorder_) {
    const Decision decision = decide(*directory);
    if (!decision.renew_now) {
      common::log::info(Event{"renewal.scheduled"}, "next renewal check",
                        {{"at", format_rfc3339(decision.wake)}});
      return decision.wake;
    }
  }
  return issue(*directory);
}

void Renewer::refresh_renewal_info(const Directory& directory) {
  const auto now = Clock::now();
  if (ari_ && now < ari_->recheck_at) return;
  auto response = transport_->get(join_url(directory.renewal_info, current_->cert_id));
  common::Result<RenewalWindow> window = std::unexpected(common::Error{});
  if (response) {
    window = parse_renewal_info(response->body);
  } else {
    window = std::unexpected(response.error());
  }
  if (!window) {
    // The lifetime policy applies meanwhile.
    common::log::warning(Event{"renewal_info.failed"}, "unable to get renewal information",
                         {{"reason", window.error().message}});
    const auto retry = now + options_.ari_recheck_min;
    if (ari_)
      ari_->recheck_at = retry;
    else
      ari_ = AriState{{}, lifetime_renewal_time(current_->not_before, current_->not_after), retry};
    return;
  }
  // Keep the chosen time while the window stands (RFC 9773 §4.2); a moved
  // window gets a fresh random choice.
  const bool moved =
      !ari_ || ari_->window.start != window->start || ari_->window.end != window->end;
  const auto chosen = moved ? pick_time_in_window(*window, random_) : ari_->chosen;
  auto recheck = now + options_.ari_recheck_default;
  if (auto until = response->retry_after()) recheck = *until;
  recheck = std::clamp(recheck, now + options_.ari_recheck_min, now + options_.ari_recheck_max);
  ari_ = AriState{*window, chosen, recheck};
  common::log::info(Event{"renewal_info.received"}, "renewal information",
                    {{"window_start", format_rfc3339(window->start)},
                     {"window_end", format_rfc3339(window->end)},
                     {"chosen", format_rfc3339(chosen)},
                     {"recheck", format_rfc3339(recheck)},
                     {"explanation", window->explanation_url}});
}

Renewer::Decision Renewer::decide(const Directory& directory) {
  const auto now = Clock::now();
  if (!directory.renewal_info.empty() && !current_->cert_id.empty()) {
    refresh_renewal_info(directory);
    if (now >= ari_->chosen) return {true, now};
    return {false, std::min(ari_->chosen, ari_->recheck_at)};
  }
  const auto due = lifetime_renewal_time(current_->not_before, current_->not_after);
  if (now >= due) return {true, now};
  return {false, due};
}

Clock::time_point Renewer::issue(const Directory& directory) {
  if (auto ready = ensure_account(directory); !ready) return after_failure(ready.error());
  OrderRequest request{config().domains, config().profile, {}, config().preferred_issuer};
  // RFC 9773 §5: the replaced certificate must be the same account's and
  // share a name with the order (a changed name set may still qualify).
  if (current_ && !directory.renewal_info.empty() && send_replaces_ &&
      current_->account_url == account_->url && share_a_name(current_->names, request.names)) {
    request.replaces = current_->cert_id;
  }
  auto issued = order_or_resume(directory, request);
  if (!issued) {
    const auto& problem = transport_->last_problem();
    // Only a CA that no longer knows the account ends it (RFC 8555 §7.3.1);
    // "unauthorized" is about an order or a name, and a new account for it
    // would spend the CA's limit on accounts per address.
    if (problem && problem->is("accountDoesNotExist")) {
      account_.reset();  // register again next time
      state_.forget_account();
    }
    if (!request.replaces.empty() && problem && problem->status >= 400 && problem->status < 500 &&
        !problem->is("rateLimited") && !problem->is("badNonce")) {
      // e.g. alreadyReplaced: the order is still worth having without the hint.
      send_replaces_ = false;
    }
    return after_failure(issued.error());
  }
  auto leaf = common::x509::describe_leaf_pem(issued->chain_pem);
  if (!leaf) return after_failure(leaf.error());
  auto cert_id = ari_certificate_id(issued->chain_pem);
  if (auto published = handoff_.publish({issued->chain_pem, issued->key_pem, false}); !published) {
    return after_failure(published.error());
  }
  current_ = Current{issued->chain_pem,    leaf->not_before, leaf->not_after,
                     cert_id.value_or(""), leaf->dns_names,  account_->url};
  keep(*issued);
  ari_.reset();
  reorder_ = false;
  send_replaces_ = true;
  backoff_.reset();
  common::log::notice(Event{"certificate.issued"}, "certificate issued",
                      {{"names", leaf->dns_names},
                       {"serial", leaf->serial_hex},
                       {"issuer", leaf->issuer},
                       {"not_before", format_rfc3339(leaf->not_before)},
                       {"not_after", format_rfc3339(leaf->not_after)},
                       {"ari_cert_id", current_->cert_id}});
  (void)common::notify::status("certificate issued");
  return Clock::now();  // decide the renewal time on the next cycle
}

// The account of this CA: the one in RAM, else a new registration, kept in
// the state directory so that a restart does not register again.
common::Status Renewer::ensure_account(const Directory& directory) {
  if (account_) return {};
  auto key = common::crypto::generate_p256();
  if (!key) return std::unexpected(key.error());
  auto account = register_account(*transport_, directory, std::move(*key),
                                  AccountOptions{config().contacts, config().eab});
  if (!account) return std::unexpected(account.error());
  account_.emplace(std::move(*account));
  auto key_pem = common::crypto::private_key_pem(account_->key.get());
  if (!key_pem) return {};
  if (auto saved = state_.save(SavedAccount{config().directory_url, account_->url, *key_pem});
      !saved) {
    common::log::warning(Event{"state.not_saved"}, "unable to save the account",
                         {{"reason", saved.error().message}});
  }
  return {};
}

// Resumes the order a previous run finalized (for this CA, account and
// names), else orders anew; the order is journaled before its finalize.
common::Result<IssuedCertificate> Renewer::order_or_resume(const Directory& directory,
                                                           const OrderRequest& request) {
  const OrderJournal journal{[this](const std::string& url, const std::string& key_pem) {
    const SavedOrder order{config().directory_url, account_->url, config().domains, url, key_pem};
    if (auto saved = state_.save(order); !saved) {
      common::log::warning(Event{"state.not_saved"}, "unable to save the order",
                           {{"reason", saved.error().message}});
    }
  }};
  auto saved = state_.order();
  if (saved && saved->directory_url == config().directory_url &&
      saved->account_url == account_->url && same_names(saved->names, config().domains)) {
    auto resumed = resume_order(*transport_, directory, *account_, book_, request, options_.poll,
                                stop_, ResumedOrder{saved->url, saved->key_pem}, journal);
    if (resumed || stop_.requested()) return resumed;
    common::log::warning(Event{"order.not_resumed"}, "unable to resume the order",
                         {{"reason", resumed.error().message}, {"order", saved->url}});
  }
  state_.forget_order();
  return issue_certificate(*transport_, directory, *account_, book_, request, options_.poll, stop_,
                           journal);
}

// The new certificate replaces the saved one and ends the saved order.
void Renewer::keep(const IssuedCertificate& issued) {
  const SavedCertificate record{config().directory_url, config().domains, issued.chain_pem,
                                issued.key_pem, account_->url};
  if (auto saved = state_.save(record); !saved) {
    common::log::warning(Event{"state.not_saved"}, "unable to save the certificate",
                         {{"reason", saved.error().message}});
  }
  state_.forget_order();
}

// A restart picks up the account and certificate of the previous run, when
// they are for the configured CA and names: no new account, no new order,
// and consumers keep the CA's certificate instead of a bootstrap one.
void Renewer::restore_state() {
  if (auto saved = state_.account(); saved && saved->directory_url == config().directory_url) {
    if (auto key = common::crypto::load_private_key_pem(saved->key_pem)) {
      account_.emplace(Account{std::move(*key), saved->url});
      common::log::info(Event{"account.restored"}, "account restored", {{"account", saved->url}});
    }
  }
  if (!restore_certificate()) serve_bootstrap();
}

bool Renewer::restore_certificate() {
  auto saved = state_.certificate();
  if (!saved || saved->directory_url != config().directory_url ||
      !same_names(saved->names, config().domains)) {
    return false;
  }
  auto leaf = common::x509::describe_leaf_pem(saved->chain_pem);
  auto key = common::crypto::load_private_key_pem(saved->key_pem);
  if (!leaf || !key || leaf->not_after <= Clock::now()) return false;
  auto spki = common::crypto::spki_sha256(key->get());
  if (!spki || *spki != leaf->spki_sha256) return false;
  if (auto published = handoff_.publish({saved->chain_pem, saved->key_pem, false}); !published) {
    return false;
  }
  current_ = Current{saved->chain_pem, leaf->not_before,
                     leaf->not_after,  ari_certificate_id(saved->chain_pem).value_or(""),
                     leaf->dns_names,  saved->account_url};
  common::log::notice(Event{"certificate.restored"}, "certificate restored",
                      {{"names", leaf->dns_names},
                       {"serial", leaf->serial_hex},
                       {"not_after", format_rfc3339(leaf->not_after)}});
  return true;
}

Clock::time_point Renewer::after_failure(const common::Error& error) {
  const auto now = Clock::now();
  auto wake = now + backoff_.next();
  const auto server_wants = transport_ ? transport_->take_retry_after() : std::nullopt;
  if (server_wants && *server_wants > wake) wake = *server_wants;
  common::log::error(
      Event{"certificate.attempt_failed"}, "unable to obtain a certificate",
      {{"reason", error.message},
       {"kind", common::kind_name(error.kind)},
       {"attempt", backoff_.attempts()},
       {"retry_at", format_rfc3339(wake)},
       {"retry_in_ms", static_cast<long long>(duration_cast<milliseconds>(wake - now).count())},
       {"server_retry_after", server_wants.has_value()}});
  return wake;
}

}  // namespace acmed
