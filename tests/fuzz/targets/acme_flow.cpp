// The ACME conversation (acmed/account, order, acme_transport, nonce_pool):
// account, order, authorization, challenge and certificate documents, nonces,
// Location, Retry-After and Link headers, answered by a scripted "CA" in the
// order acmed asks. Runs registration, then issuance with short polls.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "acmed/account.hpp"
#include "acmed/challenge_book.hpp"
#include "acmed/order.hpp"
#include "acmed/stop_signal.hpp"
#include "common/crypto.hpp"
#include "fuzz_support.hpp"

namespace {

// One account key for every run: key generation is not what is fuzzed.
EVP_PKEY* account_key() {
  static const common::crypto::Key key = std::move(*common::crypto::generate_p256());
  return key.get();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  (void)fuzz::http_server();
  (void)account_key();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string base = fuzz::http_server().base_url();
  fuzz::http_server().script(
      fuzz::parse_script(std::string_view(reinterpret_cast<const char*>(data), size), base));
  acmed::AcmeTransport transport(
      {.ca_pem = "", .timeout = std::chrono::milliseconds(2000), .max_bad_nonce_retries = 2});
  auto directory = transport.fetch_directory(base + "/directory");
  if (!directory) {
    fuzz::explain("directory", directory.error().message);
    return 0;
  }
  EVP_PKEY_up_ref(account_key());
  auto account = acmed::register_account(transport, *directory, common::crypto::Key(account_key()),
                                         {.contacts = {"admin@example.com"}, .eab = std::nullopt});
  if (!account) {
    fuzz::explain("account", account.error().message);
    return 0;
  }
  acmed::ChallengeBook book;
  acmed::StopSignal stop;
  const acmed::PollPolicy poll{.first = std::chrono::milliseconds(1),
                               .longest = std::chrono::milliseconds(2),
                               .max_retry_after = std::chrono::milliseconds(5),
                               .order_deadline = std::chrono::seconds(2)};
  auto issued = acmed::issue_certificate(transport, *directory, *account, book,
                                         {.names = {"login.example.com"},
                                          .profile = "",
                                          .replaces = "",
                                          .preferred_issuer = "Fuzz Root"},
                                         poll, stop);
  fuzz::explain("issuance", issued ? "issued" : issued.error().message);
  return 0;
}
