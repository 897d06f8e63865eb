#pragma once
// The trust anchors attest-verify uses by default: Google's public EK/AK CA
// roots (trusted) and intermediates (used to build chains, not trusted on
// their own), as PEM text built into the tool.

#include <span>
#include <string_view>

namespace attest {

std::span<const std::string_view> google_ak_root_pems();
std::span<const std::string_view> google_ak_intermediate_pems();

}  // namespace attest
