#pragma once
// The HTTP-01 key authorizations currently offered (RFC 8555 §8.3): the order
// state machine writes them, the port-80 responder reads them. Nothing else
// crosses between the two.

#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace acmed {

class ChallengeBook {
 public:
  void put(const std::string& token, std::string key_authorization) {
    std::lock_guard lock(mutex_);
    entries_[token] = std::move(key_authorization);
  }
  void remove(const std::string& token) {
    std::lock_guard lock(mutex_);
    entries_.erase(token);
  }
  std::optional<std::string> find(const std::string& token) const {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(token);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> entries_;
};

// Removes a token when the authorization attempt ends, however it ends.
class OfferedChallenge {
 public:
  OfferedChallenge(ChallengeBook& book, std::string token, std::string key_authorization)
      : book_(book), token_(std::move(token)) {
    book_.put(token_, std::move(key_authorization));
  }
  ~OfferedChallenge() { book_.remove(token_); }
  OfferedChallenge(const OfferedChallenge&) = delete;
  OfferedChallenge& operator=(const OfferedChallenge&) = delete;

 private:
  ChallengeBook& book_;
  std::string token_;
};

}  // namespace acmed
