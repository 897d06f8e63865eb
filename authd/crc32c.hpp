#pragma once
// CRC-32C (Castagnoli), the checksum Secret Manager sends with a payload
// (payload.dataCrc32c) so that clients can detect corruption in transit.

#include <cstdint>
#include <string_view>

namespace authd {

std::uint32_t crc32c(std::string_view data);

}  // namespace authd
