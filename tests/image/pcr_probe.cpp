// A stand-in /init for the measured-boot check (test-only, never in the
// product image): prints the SHA-256 PCRs 4, 5, 9 and 11 as the kernel's
// TPM driver reads them, and the firmware's TCG event log in hex, on the
// console, then powers off. Static, so its image holds nothing else.
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main() {
  ::mount("sysfs", "/sys", "sysfs", 0, nullptr);
  ::mount("securityfs", "/sys/kernel/security", "securityfs", 0, nullptr);
  for (int pcr : {4, 5, 9, 11}) {
    std::string value = slurp("/sys/class/tpm/tpm0/pcr-sha256/" + std::to_string(pcr));
    std::printf("PROBE-PCR %d %s", pcr, value.empty() ? "unreadable\n" : value.c_str());
  }
  std::string log = slurp("/sys/kernel/security/tpm0/binary_bios_measurements");
  std::printf("PROBE-EVENTLOG-BEGIN %zu\n", log.size());
  for (std::size_t i = 0; i < log.size(); i += 32) {
    std::string line;
    for (std::size_t j = i; j < log.size() && j < i + 32; ++j) {
      char hex[3];
      std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned char>(log[j]));
      line += hex;
    }
    std::printf("PROBE-EVENTLOG %s\n", line.c_str());
  }
  std::printf("PROBE-EVENTLOG-END\n");
  std::fflush(stdout);
  ::sync();
  ::reboot(RB_POWER_OFF);
  return 0;
}
