#include "init/meminfo.hpp"

#include <fstream>
#include <sstream>

namespace init {

std::optional<MemoryInfo> read_meminfo(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  MemoryInfo info;
  bool total = false;
  bool available = false;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    long value = 0;
    if (!(fields >> key >> value)) continue;
    if (key == "MemTotal:") total = (info.total_kib = value, true);
    if (key == "MemAvailable:") available = (info.available_kib = value, true);
  }
  if (!total || !available) return std::nullopt;
  return info;
}

}  // namespace init
