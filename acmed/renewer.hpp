#pragma once
// acmed's worker: loads the configuration, serves a self-signed bootstrap
// certificate, then loops for the life of the process: fetch the directory,
// decide whether the current certificate is due (ARI or lifetime), order a
// new one when it is, hand it off, and sleep until the next decision. Every
// failure is logged and retried later: after the server's Retry-After when it
// gave one (rate limits, 503), else with exponential back-off and jitter.
//
// Configuration changes are applied live, between orders (an order in
// progress finishes first, so two orders never race): the ConfigFollower
// (config_follower.hpp) takes attestd's pushes or polls the metadata server
// and says what changed; the renewer acts on it.

#include <chrono>
#include <optional>
#include <random>
#include <string>

#include "acmed/account.hpp"
#include "acmed/acme_transport.hpp"
#include "acmed/certificate_handoff.hpp"
#include "acmed/challenge_book.hpp"
#include "acmed/config.hpp"
#include "acmed/config_follower.hpp"
#include "acmed/config_inbox.hpp"
#include "acmed/http01_responder.hpp"
#include "acmed/order.hpp"
#include "acmed/renewal_info.hpp"
#include "acmed/state_store.hpp"
#include "acmed/stop_signal.hpp"
#include "common/backoff.hpp"
#include "common/ipc_contracts.hpp"
#include "common/metadata.hpp"

namespace acmed {

struct RenewerOptions {
  ConfigSource config_source = ConfigSource::attestd;
  std::chrono::milliseconds retry_initial{10000};      // first back-off after a failure
  std::chrono::milliseconds retry_max{3600000};        // back-off ceiling (1 h)
  std::chrono::seconds ari_recheck_default{6 * 3600};  // without Retry-After (RFC 9773 §4.3)
  std::chrono::seconds ari_recheck_min{60};            // floor on a server's Retry-After
  std::chrono::seconds ari_recheck_max{24 * 3600};
  std::chrono::seconds bootstrap_validity{7 * 24 * 3600};
  std::chrono::milliseconds config_poll{30000};  // metadata source only
  PollPolicy poll;
  // Account, certificate and finalized order kept across restarts of the
  // process (state_store.hpp): init's `rundir acmed`, on tmpfs.
  std::string state_dir = common::contract::runtime_dir() + "/acmed";
};

class Renewer {
 public:
  Renewer(RenewerOptions options, const common::MetadataClient& metadata, ChallengeBook& book,
          Http01Responder& responder, CertificateHandoff& handoff, StopSignal& stop,
          ConfigInbox& inbox);
  void run();

 private:
  struct Current {
    std::string chain_pem;
    Clock::time_point not_before;
    Clock::time_point not_after;
    std::string cert_id;  // ARI certID; empty when it cannot be computed
    std::vector<std::string> names;
    std::string account_url;  // the account that ordered it
  };
  struct AriState {
    RenewalWindow window;
    Clock::time_point chosen;
    Clock::time_point recheck_at;
  };
  struct Decision {
    bool renew_now = false;
    Clock::time_point wake;
  };

  const Config& config() const { return follower_.config(); }
  void restore_state();
  bool restore_certificate();
  void serve_bootstrap();
  bool sleep_until(Clock::time_point wake);
  bool follow_configuration();
  Clock::time_point cycle();
  Decision decide(const Directory& directory);
  void refresh_renewal_info(const Directory& directory);
  Clock::time_point issue(const Directory& directory);
  common::Status ensure_account(const Directory& directory);
  common::Result<IssuedCertificate> order_or_resume(const Directory& directory,
                                                    const OrderRequest& request);
  void keep(const IssuedCertificate& issued);
  Clock::time_point after_failure(const common::Error& error);

  RenewerOptions options_;
  ChallengeBook& book_;
  Http01Responder& responder_;
  CertificateHandoff& handoff_;
  StopSignal& stop_;
  ConfigFollower follower_;
  bool reorder_ = false;  // a configuration change wants a new certificate
  std::optional<AcmeTransport> transport_;
  std::optional<Account> account_;
  std::optional<Current> current_;
  std::optional<AriState> ari_;
  bool send_replaces_ = true;
  common::Backoff backoff_;
  std::mt19937_64 random_;
  StateStore state_;
};

}  // namespace acmed
