// The ACME directory (acmed/directory): the CA's first answer.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "acmed/directory.hpp"
#include "common/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto document = common::parse_json(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!document) return 0;
  (void)acmed::parse_directory(*document);
  return 0;
}
