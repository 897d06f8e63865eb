#pragma once
// A bounded, expiring, thread-safe map for the provider's in-memory state
// (authorization codes, access tokens; pending logins live in the browser,
// login_seal.hpp). Everything here is lost on restart on purpose. The cap
// bounds memory: when full, expired entries go first, then the oldest entry
// makes room. Only a finished PayPal login adds a code, so a client cannot
// flood these stores without PayPal accounts.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace authd {

template <class Value>
class TtlStore {
 public:
  explicit TtlStore(std::size_t capacity) : capacity_(capacity) {}

  void put(const std::string& key, Value value, std::int64_t expires_at, std::int64_t now) {
    std::lock_guard lock(mutex_);
    erase_locked(key);
    if (entries_.size() >= capacity_) evict_locked(now);
    auto order = next_order_++;
    entries_.emplace(key, Entry{std::move(value), expires_at, order});
    age_.emplace(order, key);
  }

  // Removes and returns a live entry: the single-use read for codes and logins.
  std::optional<Value> take(const std::string& key, std::int64_t now) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    bool live = it->second.expires_at > now;
    std::optional<Value> out;
    if (live) out = std::move(it->second.value);
    age_.erase(it->second.order);
    entries_.erase(it);
    return out;
  }

  std::optional<Value> get(const std::string& key, std::int64_t now) const {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end() || it->second.expires_at <= now) return std::nullopt;
    return it->second.value;
  }

  // Runs fn on a live entry under the store's lock, so that a read and a
  // change are one step (a code's claim); nullopt when absent or expired.
  template <class F>
  std::optional<std::invoke_result_t<F, Value&>> update(const std::string& key, std::int64_t now,
                                                        F&& fn) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end() || it->second.expires_at <= now) return std::nullopt;
    return std::forward<F>(fn)(it->second.value);
  }

  bool erase(const std::string& key) {
    std::lock_guard lock(mutex_);
    return erase_locked(key);
  }

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }

 private:
  struct Entry {
    Value value;
    std::int64_t expires_at;
    std::uint64_t order;
  };

  bool erase_locked(const std::string& key) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return false;
    age_.erase(it->second.order);
    entries_.erase(it);
    return true;
  }

  void evict_locked(std::int64_t now) {
    // Oldest first; expired entries are usually the oldest, so this sweep
    // stops early. Then, if still full, the oldest live entry goes.
    for (auto it = age_.begin(); it != age_.end();) {
      auto entry = entries_.find(it->second);
      if (entry->second.expires_at > now) break;
      entries_.erase(entry);
      it = age_.erase(it);
    }
    if (entries_.size() >= capacity_ && !age_.empty()) erase_locked(age_.begin()->second);
  }

  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
  std::map<std::uint64_t, std::string> age_;  // insertion order -> key
  std::uint64_t next_order_ = 0;
};

}  // namespace authd
