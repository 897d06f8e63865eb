#pragma once
// The trust anchors attest-verify uses by default: Google's public EK/AK CA
// roots (trusted) and intermediates (used to build chains, not trusted on
// their own), as PEM text built into the tool.

#include <string_view>
#include <vector>

namespace attest {

const std::vector<std::string_view>& google_ak_root_pems();
const std::vector<std::string_view>& google_ak_intermediate_pems();

}  // namespace attest
