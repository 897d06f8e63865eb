// pe-authenticode: prints the Authenticode SHA-256 of PE images (what UEFI
// firmware logs into PCR 4 when it loads them), one "hex  path" per line,
// like sha256sum. For operators checking an event log by hand.
//
//   pe-authenticode FILE...
//
// Exit codes: 0 done, 100 usage or bad input.

#include <iostream>
#include <string>

#include "authenticode.hpp"
#include "tool_cli.hpp"

int main(int argc, char** argv) {
  if (argc < 2) return image_tools::fail("pe-authenticode", "usage: pe-authenticode FILE...");
  for (int i = 1; i < argc; ++i) {
    const std::string path = argv[i];
    auto image = image_tools::read_file(path);
    if (!image) return image_tools::fail("pe-authenticode", image.error());
    auto digest = image_tools::authenticode_sha256(*image);
    if (!digest) {
      return image_tools::fail("pe-authenticode", "unable to hash " + path + ": " + digest.error());
    }
    std::cout << image_tools::to_hex(*digest) << "  " << path << "\n";
  }
  return 0;
}
