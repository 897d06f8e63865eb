#pragma once
// attestd's only door to the TPM. One recursive mutex serialises every TPM
// command (HTTP workers, the configuration measurer); the connection is
// opened lazily and dropped on any failure below the TPM, then reopened on
// a later call -- so a TPM that goes away yields errors (503s) and one that
// comes back is used again, with the AK re-derived and the on-connect hook
// (the runtime log's reconciliation) run first.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <tss2/tss2_esys.h>

#include "common/error.hpp"
#include "common/json.hpp"
#include "daemon/tpm_context.hpp"

namespace attestd {

struct TpmIdentity {
  std::string ak_public_pem;
  std::string ak_source;  // see attestation_key_template()
  std::optional<std::string> ek_public_pem;
  std::optional<std::string> ek_certificate_pem;
};

struct TpmQuote {
  std::string attest;                    // marshalled TPMS_ATTEST
  std::string signature;                 // marshalled TPMT_SIGNATURE
  std::map<unsigned, std::string> pcrs;  // sha256 bank, raw values
};

class Attester {
 public:
  explicit Attester(std::string tcti);
  ~Attester();

  // Runs under the TPM lock right after each new connection, before any
  // other command; an error there drops the connection again.
  void set_on_connect(std::function<common::Status()> hook);
  // Holds the TPM lock across several calls (they re-lock recursively).
  std::unique_lock<std::recursive_mutex> lock() { return std::unique_lock(mutex_); }

  common::Result<TpmQuote> quote(std::string_view qualifying_data,
                                 const std::vector<unsigned>& pcrs);
  common::Result<std::string> read_pcr(unsigned pcr);
  common::Status extend_pcr(unsigned pcr, std::string_view sha256_digest);
  common::Result<TpmIdentity> identity();
  // {"state": "ready"|"unavailable", "error", "tcti", "ak_source", ...};
  // probes the TPM so the answer is current.
  common::json status();

 private:
  struct Connection;
  common::Status ensure_connected();
  common::Status connect();
  // Runs f(connection) connected; drops the connection on environment errors.
  template <class F>
  auto with_tpm(F&& f) -> decltype(f(std::declval<Connection&>()));

  std::string tcti_;
  std::recursive_mutex mutex_;
  std::unique_ptr<Connection> connection_;
  std::function<common::Status()> on_connect_;
  std::optional<common::Error> last_error_;
  std::chrono::steady_clock::time_point last_attempt_{};
  bool connecting_ = false;
};

}  // namespace attestd
