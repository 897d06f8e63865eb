#pragma once
// The machine's memory as the kernel reports it (/proc/meminfo). An e2-micro
// has 1 GiB; operators and the end-to-end test read how much the appliance
// leaves free once every service is up.

#include <optional>
#include <string>

namespace init {

struct MemoryInfo {
  long total_kib = 0;
  long available_kib = 0;
};

std::optional<MemoryInfo> read_meminfo(const std::string& path = "/proc/meminfo");

}  // namespace init
