// measurements.json (attestd/verify/measurements): the operator's own build
// output, but read from a file the operator may have fetched from anywhere.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/json.hpp"
#include "attestd/verify/measurements.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto document = common::parse_json(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!document) return 0;
  (void)attest::parse_measurements(*document);
  return 0;
}
