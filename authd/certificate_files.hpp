#pragma once
// A fixed TLS identity from files, for local runs and benchmarks
// (--certificate-file, --key-file); in the appliance authd follows acmed's
// certificate feed instead (common::follow_acmed_certificate).

#include <string>

#include "common/error.hpp"
#include "common/tls_identity.hpp"

namespace authd {

common::Status install_certificate_files(common::CertificateStore& store,
                                         const std::string& chain_file,
                                         const std::string& key_file);

}  // namespace authd
