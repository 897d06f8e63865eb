#include "authd/certificate_files.hpp"

#include <fstream>
#include <iterator>

namespace authd {

common::Status install_certificate_files(common::CertificateStore& store,
                                         const std::string& chain_file,
                                         const std::string& key_file) {
  auto read = [](const std::string& path) -> common::Result<std::string> {
    std::ifstream in(path, std::ios::binary);
    if (!in) return common::fail(common::Error::Kind::invalid_input, "unable to read " + path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  auto chain = read(chain_file);
  if (!chain) return std::unexpected(chain.error());
  auto key = read(key_file);
  if (!key) return std::unexpected(key.error());
  return store.update(*chain, *key);
}

}  // namespace authd
