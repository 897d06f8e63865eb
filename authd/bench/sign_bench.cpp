// authd-sign-bench: id_tokens signed per second on one thread, with the same
// KeyRing::sign_jwt and typical claims as /token, for comparison with
// `openssl speed ecdsap256` (raw signatures, no JSON or base64 around them).
//   authd-sign-bench [--seconds=3]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/json.hpp"
#include "authd/key_ring.hpp"
#include "authd/provider.hpp"

int main(int argc, char** argv) {
  double seconds = 3;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.starts_with("--seconds=")) seconds = std::atof(arg.c_str() + 10);
  }
  auto ring = authd::KeyRing::create({}, authd::system_clock_seconds());
  if (!ring) {
    std::fprintf(stderr, "authd-sign-bench: %s\n", ring.error().message.c_str());
    return 111;
  }
  const std::int64_t now = authd::system_clock_seconds();
  common::json claims = {{"iss", "https://login.example.com"},
                         {"sub", "7QWKXB2N3MZSL"},
                         {"aud", "webapp"},
                         {"iat", now},
                         {"exp", now + 3600},
                         {"auth_time", now},
                         {"nonce", "n-0S6_WzA2Mj"},
                         {"email", "buyer@example.com"},
                         {"email_verified", true},
                         {"paypal_verified_account", true}};
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  long count = 0;
  while (clock::now() < end) {
    for (int i = 0; i < 100; ++i) {
      auto token = (*ring)->sign_jwt(claims);
      if (!token) return 111;
      ++count;
    }
  }
  double elapsed = std::chrono::duration<double>(clock::now() - start).count();
  std::printf("{\"id_tokens_per_second\": %.0f, \"signatures\": %ld, \"seconds\": %.2f}\n",
              count / elapsed, count, elapsed);
  return 0;
}
