#pragma once
// Helpers for tests that check our crypto against the OpenSSL command line.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "fixtures/process.hpp"

namespace testing_cli {

inline void write_file(const std::filesystem::path& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs openssl with the given arguments; fails the test on a non-zero exit.
inline std::string openssl(const std::vector<std::string>& args, const std::string& input = {}) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = fixtures::run_command(argv, std::chrono::seconds(20), input);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  return result.output;
}

// `openssl dgst -r` prints "<hex> *<name>": keep the hex.
inline std::string first_word(const std::string& text) { return text.substr(0, text.find(' ')); }

inline std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

}  // namespace testing_cli
