#pragma once
// What acmed keeps across a restart of the process (not of the machine: the
// directory is on tmpfs, /run/acmed, so it stays RAM-only): the account key
// and URL, the current chain and key, and an order being finalized with its
// certificate key. Without it a crash loop makes a new account and orders a
// new certificate on every start, and Let's Encrypt's limits (10 accounts
// per address per 3 h, 5 duplicate certificates per week) are spent in
// minutes.
//
// One JSON file per record, mode 0600, written atomically: a fresh temporary
// file (O_EXCL|O_NOFOLLOW), fsync, rename, fsync of the directory. A record
// that cannot be read back is ignored (and said once): acmed then does what
// it would without it.

#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace acmed {

struct SavedAccount {
  std::string directory_url;  // the CA it belongs to
  std::string url;
  std::string key_pem;  // secret
};

struct SavedCertificate {
  std::string directory_url;
  std::vector<std::string> names;
  std::string chain_pem;
  std::string key_pem;  // secret
  std::string account_url;
};

// An order whose finalize may have been sent: resuming it downloads the
// certificate the CA may already have issued instead of ordering again.
struct SavedOrder {
  std::string directory_url;
  std::string account_url;
  std::vector<std::string> names;
  std::string url;
  std::string key_pem;  // the certificate key of its CSR; secret
};

class StateStore {
 public:
  explicit StateStore(std::string directory) : directory_(std::move(directory)) {}

  std::optional<SavedAccount> account() const;
  std::optional<SavedCertificate> certificate() const;
  std::optional<SavedOrder> order() const;

  common::Status save(const SavedAccount& account) const;
  common::Status save(const SavedCertificate& certificate) const;
  common::Status save(const SavedOrder& order) const;
  void forget_account() const;
  void forget_order() const;

  const std::string& directory() const { return directory_; }

 private:
  std::string directory_;
};

}  // namespace acmed
