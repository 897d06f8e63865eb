#include "acmed/directory.hpp"

namespace acmed {
namespace {

// Resource URLs must be https (or http for a test CA on loopback is the
// server's choice; we only insist on an absolute URL).
bool is_absolute_url(const std::string& url) {
  return url.starts_with("https://") || url.starts_with("http://");
}

}  // namespace

common::Result<Directory> parse_directory(const common::json& document) {
  using common::Error;
  if (!document.is_object())
    return common::fail(Error::Kind::invalid_input, "directory is not an object");
  Directory directory;
  for (auto [key, target] : {std::pair{"newNonce", &directory.new_nonce},
                             std::pair{"newAccount", &directory.new_account},
                             std::pair{"newOrder", &directory.new_order}}) {
    auto value = common::string_field(document, key);
    if (!value) return std::unexpected(common::wrap(value.error(), "invalid directory"));
    if (!is_absolute_url(*value)) {
      return common::fail(Error::Kind::invalid_input,
                          std::string("invalid directory: ") + key + " is not an absolute URL");
    }
    *target = *value;
  }
  if (auto ari = common::string_field(document, "renewalInfo"); ari && is_absolute_url(*ari)) {
    directory.renewal_info = *ari;
  }
  auto meta = document.find("meta");
  if (meta != document.end() && meta->is_object()) {
    auto required = meta->find("externalAccountRequired");
    directory.external_account_required =
        required != meta->end() && required->is_boolean() && required->get<bool>();
    auto profiles = meta->find("profiles");
    if (profiles != meta->end() && profiles->is_object()) {
      for (const auto& [name, _] : profiles->items()) directory.profiles.push_back(name);
    }
  }
  return directory;
}

}  // namespace acmed
