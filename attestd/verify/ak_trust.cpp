#include "attestd/verify/ak_trust.hpp"

#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "common/openssl.hpp"
#include "common/x509.hpp"
#include "attestd/verify/google_ak_roots.hpp"

namespace attest {
namespace {

using common::Error;
using common::fail;
namespace crypto = common::crypto;

using Store = common::UniqueHandle<X509_STORE, X509_STORE_free>;
using StoreCtx = common::UniqueHandle<X509_STORE_CTX, X509_STORE_CTX_free>;
using CertStack =
    std::unique_ptr<STACK_OF(X509), decltype([](STACK_OF(X509) * s) { sk_X509_free(s); })>;

common::Result<std::vector<crypto::Certificate>> certificates(std::string_view pem) {
  auto chain = common::x509::parse_chain_pem(pem);
  if (!chain) return std::unexpected(chain.error());
  if (chain->empty()) return fail(Error::Kind::invalid_input, "no certificate in the PEM text");
  return chain;
}

std::optional<std::string> extension_der(X509* certificate, const char* oid_text) {
  common::UniqueHandle<ASN1_OBJECT, ASN1_OBJECT_free> oid(OBJ_txt2obj(oid_text, 1));
  if (!oid) return std::nullopt;
  int index = X509_get_ext_by_OBJ(certificate, oid.get(), -1);
  if (index < 0) return std::nullopt;
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(certificate, index));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<std::size_t>(ASN1_STRING_length(data)));
}

// OpenSSL refuses a leaf with a critical extension it does not know. The
// instance identity is one we do know (it is parsed below), so that one
// error is forgiven when it is the only unknown critical extension.
int forgive_instance_identity(int ok, X509_STORE_CTX* ctx) {
  if (ok || X509_STORE_CTX_get_error(ctx) != X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION ||
      X509_STORE_CTX_get_error_depth(ctx) != 0) {
    return ok;
  }
  X509* leaf = X509_STORE_CTX_get_current_cert(ctx);
  char oid[80];
  for (int i = 0; i < X509_get_ext_count(leaf); ++i) {
    X509_EXTENSION* extension = X509_get_ext(leaf, i);
    if (!X509_EXTENSION_get_critical(extension) || X509_supported_extension(extension)) continue;
    OBJ_obj2txt(oid, sizeof oid, X509_EXTENSION_get_object(extension), 1);
    if (std::string_view(oid) != kGceInstanceIdentityOid) return 0;
  }
  return 1;
}

std::string name_of(X509_NAME* name) {
  common::UniqueHandle<BIO, BIO_free> bio(BIO_new(BIO_s_mem()));
  if (!bio) return "";
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : "";
}

common::Status verify_chain(X509* leaf, const AkAnchors& anchors) {
  if (anchors.trusted.empty()) {
    return fail(Error::Kind::invalid_input, "no trust anchor to verify the AK certificate with");
  }
  Store store(X509_STORE_new());
  CertStack untrusted(sk_X509_new_null());
  StoreCtx ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx) return fail(Error::Kind::internal, "out of memory");
  for (const auto& certificate : anchors.trusted)
    X509_STORE_add_cert(store.get(), certificate.get());
  for (const auto& certificate : anchors.intermediates)
    sk_X509_push(untrusted.get(), certificate.get());
  if (anchors.partial_chains) X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN);
  X509_STORE_set_verify_cb(store.get(), forgive_instance_identity);
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted.get()) != 1) {
    return fail(Error::Kind::internal, "unable to set up certificate verification");
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    const int error = X509_STORE_CTX_get_error(ctx.get());
    return fail(Error::Kind::invalid_input, std::string("the AK certificate does not chain to ") +
                                                anchors.description + ": " +
                                                X509_verify_cert_error_string(error));
  }
  return {};
}

}  // namespace

common::Result<AkAnchors> google_ak_anchors() {
  AkAnchors anchors;
  anchors.description = "Google's EK/AK CA (built in)";
  for (auto pem : google_ak_root_pems()) {
    auto certs = certificates(pem);
    if (!certs) return std::unexpected(certs.error());
    for (auto& c : *certs) anchors.trusted.push_back(std::move(c));
  }
  for (auto pem : google_ak_intermediate_pems()) {
    auto certs = certificates(pem);
    if (!certs) return std::unexpected(certs.error());
    for (auto& c : *certs) anchors.intermediates.push_back(std::move(c));
  }
  return anchors;
}

common::Result<AkAnchors> ak_anchors_from_pem(std::string_view pem, std::string description) {
  auto certs = certificates(pem);
  if (!certs) return std::unexpected(common::wrap(certs.error(), "unable to read " + description));
  AkAnchors anchors;
  anchors.trusted = std::move(*certs);
  anchors.partial_chains = true;
  anchors.description = std::move(description);
  return anchors;
}

common::Result<VerifiedAkCertificate> verify_ak_certificate(std::string_view certificate_pem,
                                                            EVP_PKEY* ak,
                                                            const AkAnchors& anchors) {
  auto certs = certificates(certificate_pem);
  if (!certs)
    return std::unexpected(common::wrap(certs.error(), "unable to read the AK certificate"));
  if (certs->size() != 1) {
    return fail(Error::Kind::invalid_input, "the AK certificate must be one certificate");
  }
  X509* leaf = certs->front().get();
  if (auto chained = verify_chain(leaf, anchors); !chained) return std::unexpected(chained.error());
  if (X509_check_ca(leaf) != 0) {
    return fail(Error::Kind::invalid_input,
                "the AK certificate is a CA certificate, not a key's certificate");
  }
  EVP_PKEY* certified = X509_get0_pubkey(leaf);
  if (certified == nullptr || EVP_PKEY_eq(certified, ak) != 1) {
    return fail(Error::Kind::invalid_input, "the AK certificate is for another key than the AK");
  }
  VerifiedAkCertificate out;
  out.subject = name_of(X509_get_subject_name(leaf));
  out.issuer = name_of(X509_get_issuer_name(leaf));
  if (auto der = extension_der(leaf, kGceInstanceIdentityOid)) {
    auto identity = parse_gce_instance_identity(*der);
    if (!identity) return std::unexpected(identity.error());
    out.identity = std::move(*identity);
  }
  return out;
}

}  // namespace attest
