#pragma once
// Whole-file reads and the hex/sha256 helpers every image tool shares.
// The tools are standalone (they must not depend on the appliance's `common`
// library, which a narrowed build may leave out), so errors are plain strings.

#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <vector>

namespace image_tools {

using Bytes = std::vector<std::uint8_t>;

template <class T>
using Result = std::expected<T, std::string>;

// Reads a whole file; the error says "unable to read <path>: <reason>".
Result<Bytes> read_file(const std::string& path);

std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace image_tools
