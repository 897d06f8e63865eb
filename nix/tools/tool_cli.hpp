#pragma once
// Flag parsing and the exit-code convention shared by the image tools:
// --name=value flags only; 0 done, 100 usage or bad input (s6 convention).

#include <iostream>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace image_tools {

inline constexpr int kExitPermanent = 100;

struct Flags {
  std::map<std::string, std::string> single;
  std::vector<std::pair<std::string, std::string>> all;  // in order, repeats kept
  std::vector<std::string> malformed;
};

inline Flags parse_flags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto eq = arg.find('=');
    if (!arg.starts_with("--") || eq == std::string::npos) {
      flags.malformed.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2, eq - 2);
    flags.single[name] = arg.substr(eq + 1);
    flags.all.emplace_back(name, arg.substr(eq + 1));
  }
  return flags;
}

inline int fail(const std::string& tool, const std::string& message) {
  std::cerr << tool << ": " << message << "\n";
  return kExitPermanent;
}

}  // namespace image_tools
