#include "authd/crc32c.hpp"

#include <array>

namespace authd {
namespace {

// Reflected polynomial 0x1EDC6F41 -> 0x82F63B78; table built at compile time.
constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1U) ? 0x82F63B78U : 0U);
    table[i] = crc;
  }
  return table;
}

constexpr auto kTable = make_table();

}  // namespace

std::uint32_t crc32c(std::string_view data) {
  std::uint32_t crc = 0xFFFFFFFFU;
  for (unsigned char byte : data) crc = (crc >> 8) ^ kTable[(crc ^ byte) & 0xFFU];
  return crc ^ 0xFFFFFFFFU;
}

}  // namespace authd
