#include "attestd/tpm_keys.hpp"

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <tss2/tss2_mu.h>

#include <algorithm>
#include <cstring>

#include "common/crypto.hpp"
#include "common/openssl.hpp"
#include "common/x509.hpp"

namespace attestd {

// The TPM connection and its helpers (common_tpm, shared with egressd).
using common::tpm::EsysPtr;
using common::tpm::is_tpm_rc;
using common::tpm::tpm_error;
namespace {

using common::Error;
using common::fail;

constexpr TPMA_OBJECT kAkAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                      TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                                      TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;
// NV reads go in chunks no TPM refuses (TPM2_PT_NV_BUFFER_MAX is >= 512).
constexpr UINT16 kNvChunk = 512;

common::Result<common::crypto::Key> key_from_params(const char* type, OSSL_PARAM_BLD* bld) {
  common::openssl::Params params(OSSL_PARAM_BLD_to_param(bld));
  common::openssl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return fail(Error::Kind::internal, "unable to convert TPM public key: OpenSSL refused it");
  }
  return common::crypto::Key(key);
}

common::Result<common::crypto::Key> ecc_key(const TPMT_PUBLIC& pub) {
  if (pub.parameters.eccDetail.curveID != TPM2_ECC_NIST_P256) {
    return fail(Error::Kind::internal, "unable to convert TPM public key: curve is not P-256");
  }
  const TPMS_ECC_POINT& point = pub.unique.ecc;
  if (point.x.size > 32 || point.y.size > 32) {
    return fail(Error::Kind::internal, "unable to convert TPM public key: bad point");
  }
  unsigned char encoded[65] = {0x04};
  std::memcpy(encoded + 1 + (32 - point.x.size), point.x.buffer, point.x.size);
  std::memcpy(encoded + 33 + (32 - point.y.size), point.y.buffer, point.y.size);
  common::openssl::ParamBuilder bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, encoded,
                                       sizeof encoded) != 1) {
    return fail(Error::Kind::internal, "unable to convert TPM public key: out of memory");
  }
  return key_from_params("EC", bld.get());
}

common::Result<common::crypto::Key> rsa_key(const TPMT_PUBLIC& pub) {
  UINT32 exponent =
      pub.parameters.rsaDetail.exponent == 0 ? 65537 : pub.parameters.rsaDetail.exponent;
  common::openssl::Bignum n(BN_bin2bn(pub.unique.rsa.buffer, pub.unique.rsa.size, nullptr));
  common::openssl::Bignum e(BN_new());
  common::openssl::ParamBuilder bld(OSSL_PARAM_BLD_new());
  if (!n || !e || !bld || BN_set_word(e.get(), exponent) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return fail(Error::Kind::internal, "unable to convert TPM public key: out of memory");
  }
  return key_from_params("RSA", bld.get());
}

void set_ecc_unique_zero(TPMT_PUBLIC& pub) {
  // Google's and the TCG's templates fill unique with zeros of the curve's
  // size; that value is part of the derivation, so it must be exact.
  pub.unique.ecc.x.size = 32;
  pub.unique.ecc.y.size = 32;
  std::memset(pub.unique.ecc.x.buffer, 0, 32);
  std::memset(pub.unique.ecc.y.buffer, 0, 32);
}

}  // namespace

common::Result<std::string> read_nv(ESYS_CONTEXT* esys, TPM2_HANDLE index) {
  ESYS_TR nv = ESYS_TR_NONE;
  TSS2_RC rc = Esys_TR_FromTPMPublic(esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv);
  if (is_tpm_rc(rc, TPM2_RC_HANDLE)) return fail(Error::Kind::not_found, "NV index not defined");
  if (rc != TSS2_RC_SUCCESS) return std::unexpected(tpm_error(rc, "open NV index"));
  TPM2B_NV_PUBLIC* raw_public = nullptr;
  rc = Esys_NV_ReadPublic(esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &raw_public, nullptr);
  EsysPtr<TPM2B_NV_PUBLIC> nv_public(raw_public);
  if (rc != TSS2_RC_SUCCESS) {
    Esys_TR_Close(esys, &nv);
    return std::unexpected(tpm_error(rc, "read NV public area"));
  }
  const UINT16 size = nv_public->nvPublic.dataSize;
  // GCE's indices are owner-readable; ours in tests may be auth-readable.
  const bool owner_read = nv_public->nvPublic.attributes & TPMA_NV_OWNERREAD;
  const ESYS_TR auth = owner_read ? ESYS_TR_RH_OWNER : nv;
  std::string data;
  for (UINT16 offset = 0; offset < size;) {
    UINT16 chunk = std::min<UINT16>(kNvChunk, size - offset);
    TPM2B_MAX_NV_BUFFER* raw = nullptr;
    rc = Esys_NV_Read(esys, auth, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, chunk, offset,
                      &raw);
    EsysPtr<TPM2B_MAX_NV_BUFFER> buffer(raw);
    if (rc != TSS2_RC_SUCCESS) {
      Esys_TR_Close(esys, &nv);
      return std::unexpected(tpm_error(rc, "read NV index"));
    }
    data.append(reinterpret_cast<const char*>(buffer->buffer), buffer->size);
    offset += chunk;
  }
  Esys_TR_Close(esys, &nv);
  return data;
}

TPM2B_PUBLIC default_ak_template() {
  TPM2B_PUBLIC t{};
  t.publicArea.type = TPM2_ALG_ECC;
  t.publicArea.nameAlg = TPM2_ALG_SHA256;
  t.publicArea.objectAttributes = kAkAttributes;
  auto& ecc = t.publicArea.parameters.eccDetail;
  ecc.symmetric.algorithm = TPM2_ALG_NULL;
  ecc.scheme.scheme = TPM2_ALG_ECDSA;
  ecc.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
  ecc.curveID = TPM2_ECC_NIST_P256;
  ecc.kdf.scheme = TPM2_ALG_NULL;
  set_ecc_unique_zero(t.publicArea);
  return t;
}

TPM2B_PUBLIC ek_ecc_template() {
  // TCG EK Credential Profile 2.0, template L-2 (ECC NIST P-256).
  static constexpr unsigned char kPolicyA[32] = {0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8,
                                                 0x1a, 0x90, 0xcc, 0x8d, 0x46, 0xa5, 0xd7, 0x24,
                                                 0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64,
                                                 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa};
  TPM2B_PUBLIC t{};
  t.publicArea.type = TPM2_ALG_ECC;
  t.publicArea.nameAlg = TPM2_ALG_SHA256;
  t.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                  TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_ADMINWITHPOLICY |
                                  TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
  t.publicArea.authPolicy.size = sizeof kPolicyA;
  std::memcpy(t.publicArea.authPolicy.buffer, kPolicyA, sizeof kPolicyA);
  auto& ecc = t.publicArea.parameters.eccDetail;
  ecc.symmetric.algorithm = TPM2_ALG_AES;
  ecc.symmetric.keyBits.aes = 128;
  ecc.symmetric.mode.aes = TPM2_ALG_CFB;
  ecc.scheme.scheme = TPM2_ALG_NULL;
  ecc.curveID = TPM2_ECC_NIST_P256;
  ecc.kdf.scheme = TPM2_ALG_NULL;
  set_ecc_unique_zero(t.publicArea);
  return t;
}

common::Result<AkTemplate> attestation_key_template(ESYS_CONTEXT* esys) {
  struct Candidate {
    TPM2_HANDLE template_index;
    TPM2_HANDLE certificate_index;
    const char* source;
  };
  const Candidate candidates[] = {{kNvGceAkTemplateEcc, kNvGceAkCertEcc, "gce-nv-ecc"},
                                  {kNvGceAkTemplateRsa, kNvGceAkCertRsa, "gce-nv-rsa"}};
  for (const auto& [index, certificate_index, source] : candidates) {
    auto bytes = read_nv(esys, index);
    if (!bytes && bytes.error().kind == Error::Kind::not_found) continue;
    if (!bytes) return std::unexpected(bytes.error());
    // The NV index holds a marshalled TPMT_PUBLIC (Google's convention).
    AkTemplate out;
    size_t offset = 0;
    if (Tss2_MU_TPMT_PUBLIC_Unmarshal(reinterpret_cast<const uint8_t*>(bytes->data()),
                                      bytes->size(), &offset,
                                      &out.public_area.publicArea) != TSS2_RC_SUCCESS) {
      return fail(Error::Kind::internal,
                  std::string("unable to parse AK template in NV (") + source + ")");
    }
    out.source = source;
    out.certificate_index = certificate_index;
    return out;
  }
  return AkTemplate{default_ak_template(), "default-ecc", std::nullopt};
}

common::Result<PrimaryKey> create_endorsement_primary(ESYS_CONTEXT* esys,
                                                      const TPM2B_PUBLIC& key_template) {
  TPM2B_SENSITIVE_CREATE sensitive{};
  TPM2B_DATA outside{};
  TPML_PCR_SELECTION creation_pcrs{};
  PrimaryKey key;
  TPM2B_PUBLIC* out_public = nullptr;
  TPM2B_CREATION_DATA* creation_data = nullptr;
  TPM2B_DIGEST* creation_hash = nullptr;
  TPMT_TK_CREATION* ticket = nullptr;
  TSS2_RC rc =
      Esys_CreatePrimary(esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                         &sensitive, &key_template, &outside, &creation_pcrs, &key.handle,
                         &out_public, &creation_data, &creation_hash, &ticket);
  EsysPtr<TPM2B_PUBLIC> public_owner(out_public);
  EsysPtr<TPM2B_CREATION_DATA> data_owner(creation_data);
  EsysPtr<TPM2B_DIGEST> hash_owner(creation_hash);
  EsysPtr<TPMT_TK_CREATION> ticket_owner(ticket);
  if (rc != TSS2_RC_SUCCESS) return std::unexpected(tpm_error(rc, "create primary key"));
  key.public_area = *out_public;
  return key;
}

common::Result<std::string> public_area_pem(const TPMT_PUBLIC& public_area) {
  auto key = public_area.type == TPM2_ALG_ECC ? ecc_key(public_area)
             : public_area.type == TPM2_ALG_RSA
                 ? rsa_key(public_area)
                 : fail(Error::Kind::internal, "unable to convert TPM public key: type");
  if (!key) return std::unexpected(key.error());
  return common::crypto::public_key_pem(key->get());
}

common::Result<std::optional<std::string>> ek_certificate_pem(ESYS_CONTEXT* esys) {
  return nv_certificate_pem(esys, {kNvEkCertEcc, kNvEkCertRsa});
}

common::Result<std::optional<std::string>> nv_certificate_pem(
    ESYS_CONTEXT* esys, std::initializer_list<TPM2_HANDLE> indices) {
  for (TPM2_HANDLE index : indices) {
    auto der = read_nv(esys, index);
    if (!der && der.error().kind == Error::Kind::not_found) continue;
    if (!der) return std::unexpected(der.error());
    // Some TPMs pad the index with zeros after the DER: d2i stops at its end.
    const auto* p = reinterpret_cast<const unsigned char*>(der->data());
    common::crypto::Certificate cert(d2i_X509(nullptr, &p, static_cast<long>(der->size())));
    if (!cert) return fail(Error::Kind::internal, "unable to parse the certificate in NV");
    auto pem = common::x509::to_pem(cert.get());
    if (!pem) return std::unexpected(pem.error());
    return std::optional<std::string>(*pem);
  }
  return std::optional<std::string>();
}

}  // namespace attestd
