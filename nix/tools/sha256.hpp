#pragma once
// Incremental SHA-256 over OpenSSL's EVP interface, RAII-owned.

#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include <openssl/evp.h>

namespace image_tools {

using Digest = std::array<std::uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  void update(std::span<const std::uint8_t> bytes);
  Digest finish();

  static Digest of(std::span<const std::uint8_t> bytes);

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

}  // namespace image_tools
