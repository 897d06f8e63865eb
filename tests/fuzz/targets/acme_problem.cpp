// RFC 7807 problem documents from the ACME CA (acmed/problem), with their
// subproblems; the first byte picks the HTTP status that carried them.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "acmed/problem.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const long status = 400 + data[0] % 200;
  auto problem = acmed::parse_problem(
      std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), status);
  (void)problem.describe();
  (void)problem.is("badNonce");
  return 0;
}
