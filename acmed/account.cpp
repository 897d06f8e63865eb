#include "acmed/account.hpp"

#include "acmed/jws.hpp"
#include "common/log.hpp"

namespace acmed {
namespace {

common::json contact_uris(const std::vector<std::string>& contacts) {
  common::json uris = common::json::array();
  for (const auto& contact : contacts) uris.push_back("mailto:" + contact);
  return uris;
}

}  // namespace

common::Result<Account> register_account(AcmeTransport& transport, const Directory& directory,
                                         common::crypto::Key key, const AccountOptions& options) {
  using common::Error;
  common::json payload{{"termsOfServiceAgreed", true}};
  if (!options.contacts.empty()) payload["contact"] = contact_uris(options.contacts);
  if (options.eab) {
    auto binding = external_account_binding(key.get(), options.eab->kid,
                                            options.eab->hmac_base64url, directory.new_account);
    if (!binding) return std::unexpected(binding.error());
    payload["externalAccountBinding"] = *binding;
  } else if (directory.external_account_required) {
    return common::fail(Error::Kind::invalid_input,
                        "unable to create the ACME account: the CA requires External Account "
                        "Binding; set acme_eab_kid and acme_eab_hmac");
  }
  auto response = transport.post(directory.new_account, key.get(), /*kid=*/"", payload);
  if (!response) {
    return std::unexpected(common::wrap(response.error(), "unable to create the ACME account"));
  }
  Account account{std::move(key), response->location()};
  if (account.url.empty()) {
    return common::fail(Error::Kind::environment,
                        "unable to create the ACME account: no Location in the response");
  }
  common::log::info(common::log::Event{"account.registered"}, "account registered",
                    {{"account", account.url}, {"eab", options.eab.has_value()}});
  return account;
}

common::Status update_account_contacts(AcmeTransport& transport, const Account& account,
                                       const std::vector<std::string>& contacts) {
  // An empty array removes every contact, which is what an unset acme_contact means.
  const common::json payload{{"contact", contact_uris(contacts)}};
  auto response = transport.post(account.url, account.key.get(), account.url, payload);
  if (!response) {
    return std::unexpected(
        common::wrap(response.error(), "unable to update the ACME account's contacts"));
  }
  common::log::info(common::log::Event{"account.contacts_updated"}, "account contacts updated",
                    {{"account", account.url}, {"contacts", contacts}});
  return {};
}

}  // namespace acmed
