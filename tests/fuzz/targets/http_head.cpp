// The public ports' request head (common/http_head: Beast's parser with the
// project's limits and refusals), as any client can send it. Beyond not
// crashing, an accepted head must be one the limits allow: within the byte
// and field limits, no Transfer-Encoding, identity encoding only, and a body
// announced only up to the body limit; and a refusal is one of the
// statuses the server documents.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/http_head.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // Small limits as well as the production ones, so that the fuzzer reaches
  // the edges of each without megabytes of input.
  for (const common::http::HeadLimits& limits :
       {common::http::HeadLimits{}, common::http::HeadLimits{256, 4, 16}}) {
    const auto verdict = common::http::judge_head(bytes, limits);
    switch (verdict.status) {
      case -1:
      case 400:
      case 411:
      case 413:
      case 415:
      case 431:
      case 501:
        break;
      case 0:
        if (verdict.head_bytes > limits.max_head_bytes ||
            verdict.fields > limits.max_header_fields ||
            verdict.body_bytes > limits.max_body_bytes) {
          std::abort();  // accepted past a limit
        }
        break;
      default:
        std::abort();  // a status the server does not document
    }
  }
  return 0;
}
