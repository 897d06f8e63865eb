#pragma once
// The Authenticode SHA-256 of a PE image: what UEFI firmware (EDK2/OVMF)
// logs into PCR 4 when it loads an EFI application (EV_EFI_BOOT_SERVICES_
// APPLICATION). Follows the PE/COFF specification's "Calculating the PE Image
// Hash" and EDK2's MeasurePeImageAndExtend: the header without CheckSum and
// the certificate-table directory entry, the sections in file order, then any
// trailing data that is not the certificate table.

#include <span>

#include "pe_file.hpp"
#include "sha256.hpp"

namespace image_tools {

Result<Digest> authenticode_sha256(std::span<const std::uint8_t> image);

}  // namespace image_tools
