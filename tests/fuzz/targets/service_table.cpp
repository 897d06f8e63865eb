// The service table (init/service_table): read from the image at boot, but
// its parser is the one place a typo in services.conf meets PID 1.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "init/service_table.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto table = init::parse_service_table(text, "services.conf")) {
    for (const auto& service : table->services) (void)init::signal_name(service.stop_signal);
  }
  (void)init::parse_signal(text.substr(0, 16));
  return 0;
}
