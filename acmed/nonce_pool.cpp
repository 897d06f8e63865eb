#include "acmed/nonce_pool.hpp"

#include <algorithm>

namespace acmed {

bool is_valid_nonce(std::string_view nonce) {
  if (nonce.empty() || nonce.size() > 512) return false;
  return std::all_of(nonce.begin(), nonce.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

void NoncePool::remember(const common::HttpResponse& response) {
  if (auto nonce = response.header("replay-nonce")) add(*nonce);
}

void NoncePool::add(std::string nonce) {
  if (!is_valid_nonce(nonce)) return;
  std::lock_guard lock(mutex_);
  nonces_.push_front(std::move(nonce));
  if (nonces_.size() > kMaxNonces) nonces_.pop_back();
}

std::optional<std::string> NoncePool::take() {
  std::lock_guard lock(mutex_);
  if (nonces_.empty()) return std::nullopt;
  std::string nonce = std::move(nonces_.front());
  nonces_.pop_front();
  return nonce;
}

void NoncePool::clear() {
  std::lock_guard lock(mutex_);
  nonces_.clear();
}

}  // namespace acmed
