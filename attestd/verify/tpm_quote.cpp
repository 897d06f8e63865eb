#include "attestd/verify/tpm_quote.hpp"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_tpm2_types.h>

#include <memory>

#include "common/crypto.hpp"
#include "common/openssl.hpp"

namespace attest {
namespace {

using common::Error;
using common::fail;

const auto* bytes_of(std::string_view s) { return reinterpret_cast<const std::uint8_t*>(s.data()); }

// TPM ECDSA signatures are (r, s) as big-endian integers; OpenSSL wants DER.
common::Result<std::string> ecdsa_der(const TPMS_SIGNATURE_ECC& ecc) {
  common::openssl::Bignum r(BN_bin2bn(ecc.signatureR.buffer, ecc.signatureR.size, nullptr));
  common::openssl::Bignum s(BN_bin2bn(ecc.signatureS.buffer, ecc.signatureS.size, nullptr));
  common::openssl::EcdsaSig sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return fail(Error::Kind::internal, "unable to encode ECDSA signature: out of memory");
  }
  (void)r.release();  // owned by sig now
  (void)s.release();
  int length = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (length <= 0) return fail(Error::Kind::invalid_input, "unable to encode ECDSA signature");
  std::string der(static_cast<std::size_t>(length), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_ECDSA_SIG(sig.get(), &out);
  return der;
}

common::Status verify_with(EVP_PKEY* key, std::string_view message, std::string_view sig,
                           int rsa_padding) {
  common::openssl::MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key) != 1) {
    return fail(Error::Kind::invalid_input, "unable to verify signature: key does not fit");
  }
  if (rsa_padding != 0) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, rsa_padding) != 1) {
      return fail(Error::Kind::invalid_input, "unable to verify signature: AK is not an RSA key");
    }
    if (rsa_padding == RSA_PKCS1_PSS_PADDING &&
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1) {
      return fail(Error::Kind::internal, "unable to verify signature: PSS setup failed");
    }
  }
  int ok =
      EVP_DigestVerify(ctx.get(), bytes_of(sig), sig.size(), bytes_of(message), message.size());
  if (ok != 1) return fail(Error::Kind::invalid_input, "signature does not verify with the AK");
  return {};
}

}  // namespace

common::Result<ParsedQuote> parse_quote(std::string_view attest_bytes) {
  TPMS_ATTEST attest{};
  size_t offset = 0;
  if (Tss2_MU_TPMS_ATTEST_Unmarshal(bytes_of(attest_bytes), attest_bytes.size(), &offset,
                                    &attest) != TSS2_RC_SUCCESS) {
    return fail(Error::Kind::invalid_input, "unable to parse quote: not a marshalled TPMS_ATTEST");
  }
  if (offset != attest_bytes.size()) {
    return fail(Error::Kind::invalid_input, "unable to parse quote: trailing bytes");
  }
  if (attest.magic != TPM2_GENERATED_VALUE) {
    return fail(Error::Kind::invalid_input, "quote magic is not TPM_GENERATED_VALUE");
  }
  if (attest.type != TPM2_ST_ATTEST_QUOTE) {
    return fail(Error::Kind::invalid_input, "attestation is not a quote (TPM_ST_ATTEST_QUOTE)");
  }
  ParsedQuote quote;
  quote.extra_data.assign(reinterpret_cast<const char*>(attest.extraData.buffer),
                          attest.extraData.size);
  quote.clock = attest.clockInfo.clock;
  quote.reset_count = attest.clockInfo.resetCount;
  quote.restart_count = attest.clockInfo.restartCount;
  quote.firmware_version = attest.firmwareVersion;
  const TPMS_QUOTE_INFO& info = attest.attested.quote;
  for (UINT32 i = 0; i < info.pcrSelect.count; ++i) {
    const TPMS_PCR_SELECTION& sel = info.pcrSelect.pcrSelections[i];
    QuotedPcrs pcrs;
    pcrs.hash_alg = sel.hash;
    for (unsigned byte = 0; byte < sel.sizeofSelect; ++byte) {
      for (unsigned bit = 0; bit < 8; ++bit) {
        if (sel.pcrSelect[byte] & (1U << bit)) pcrs.indices.push_back(byte * 8 + bit);
      }
    }
    quote.selections.push_back(std::move(pcrs));
  }
  quote.pcr_digest.assign(reinterpret_cast<const char*>(info.pcrDigest.buffer),
                          info.pcrDigest.size);
  return quote;
}

common::Status verify_quote_signature(EVP_PKEY* ak, std::string_view attest_bytes,
                                      std::string_view signature) {
  TPMT_SIGNATURE sig{};
  size_t offset = 0;
  if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(bytes_of(signature), signature.size(), &offset, &sig) !=
      TSS2_RC_SUCCESS) {
    return fail(Error::Kind::invalid_input,
                "unable to parse signature: not a marshalled TPMT_SIGNATURE");
  }
  if (offset != signature.size()) {
    return fail(Error::Kind::invalid_input, "unable to parse signature: trailing bytes");
  }
  switch (sig.sigAlg) {
    case TPM2_ALG_ECDSA: {
      if (sig.signature.ecdsa.hash != TPM2_ALG_SHA256) {
        return fail(Error::Kind::invalid_input, "signature hash is not SHA-256");
      }
      auto der = ecdsa_der(sig.signature.ecdsa);
      if (!der) return std::unexpected(der.error());
      if (EVP_PKEY_base_id(ak) != EVP_PKEY_EC) {
        return fail(Error::Kind::invalid_input, "ECDSA signature but the AK is not an EC key");
      }
      return verify_with(ak, attest_bytes, *der, 0);
    }
    case TPM2_ALG_RSASSA:
    case TPM2_ALG_RSAPSS: {
      const TPMS_SIGNATURE_RSA& rsa = sig.signature.rsassa;  // same layout for both
      if (rsa.hash != TPM2_ALG_SHA256) {
        return fail(Error::Kind::invalid_input, "signature hash is not SHA-256");
      }
      std::string_view raw(reinterpret_cast<const char*>(rsa.sig.buffer), rsa.sig.size);
      return verify_with(ak, attest_bytes, raw,
                         sig.sigAlg == TPM2_ALG_RSASSA ? RSA_PKCS1_PADDING : RSA_PKCS1_PSS_PADDING);
    }
    default:
      return fail(Error::Kind::invalid_input,
                  "unsupported signature algorithm 0x" +
                      common::crypto::hex(std::string{static_cast<char>(sig.sigAlg >> 8),
                                                      static_cast<char>(sig.sigAlg & 0xff)}));
  }
}

common::Result<std::string> expected_pcr_digest(const std::vector<QuotedPcrs>& selections,
                                                const std::map<unsigned, std::string>& values) {
  std::string concatenated;
  for (const auto& selection : selections) {
    if (selection.hash_alg != TPM2_ALG_SHA256) {
      return fail(Error::Kind::invalid_input, "quote selects a bank other than sha256");
    }
    for (unsigned index : selection.indices) {
      auto it = values.find(index);
      if (it == values.end()) {
        return fail(Error::Kind::invalid_input,
                    "PCR " + std::to_string(index) + " is quoted but its value is not reported");
      }
      concatenated += it->second;
    }
  }
  return common::crypto::sha256(concatenated);
}

}  // namespace attest
