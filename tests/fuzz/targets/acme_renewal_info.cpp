// ACME Renewal Information (acmed/renewal_info): the CA's suggested window,
// then a time picked in it as the renewer does.
#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>

#include "acmed/renewal_info.hpp"
#include "common/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto document = common::parse_json(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!document) return 0;
  auto window = acmed::parse_renewal_info(*document);
  if (!window) return 0;
  std::mt19937_64 random(size);
  (void)acmed::pick_time_in_window(*window, random);
  return 0;
}
