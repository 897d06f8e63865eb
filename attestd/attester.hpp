#pragma once
// attestd's only door to the TPM. One recursive mutex serialises every TPM
// command (HTTP workers, the configuration measurer). The connection is
// opened lazily and dropped on any failure below the TPM, then reopened on
// a later call -- so a TPM that goes away yields errors (503s) and one that
// comes back is used again, with the AK re-derived and the on-connect hook
// (the runtime log's reconciliation) run first.
//
// A kernel resource manager (device:/dev/tpmrm0) serves many clients, so the
// connection stays open. A simulator (swtpm, mssim) serves one client at a
// time, so there the connection is held only while a call runs, and the
// on-connect hook runs on every opening (the simulator may have been reset
// in between without us seeing an error).

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
#include "common/tpm_context.hpp"

namespace attestd {

struct TpmIdentity {
  std::string ak_public_pem;
  std::string ak_source;  // see attestation_key_template()
  // GCE's certificate for this AK (NV 0x01c10002 ECC / 0x01c10000 RSA).
  std::optional<std::string> ak_certificate_pem;
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
  struct Setup;
  common::Status ensure_open();
  common::Status open();
  common::Status set_up(ESYS_CONTEXT* esys);
  void drop(const common::Error& error);
  // Runs f(esys, setup) with the TPM open; drops the connection (and the
  // derived keys) on environment errors.
  template <class F>
  auto with_tpm(F&& f) -> decltype(f(std::declval<ESYS_CONTEXT*>(), std::declval<Setup&>()));

  std::string tcti_;
  bool persistent_;
  std::recursive_mutex mutex_;
  std::unique_ptr<common::tpm::TpmContext> tpm_;
  std::unique_ptr<Setup> setup_;
  int depth_ = 0;
  std::function<common::Status()> on_connect_;
  std::optional<common::Error> last_error_;
  std::chrono::steady_clock::time_point last_attempt_{};
  bool in_hook_ = false;
};

}  // namespace attestd
