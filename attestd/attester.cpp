#include "attestd/attester.hpp"

#include <tss2/tss2_mu.h>

#include <cstring>

#include "common/crypto.hpp"
#include "common/log.hpp"
#include "attestd/tpm_keys.hpp"

namespace attestd {

// The TPM connection and its helpers (common_tpm, shared with egressd).
using common::tpm::EsysPtr;
using common::tpm::tpm_error;
using common::tpm::TpmContext;
using common::tpm::TransientHandle;

using common::log::Event;
namespace {

using common::Error;
using common::fail;

// A TPM that just failed is not asked again sooner than this, so that a
// burst of requests during an outage costs nothing but quick 503s.
constexpr auto kReconnectInterval = std::chrono::milliseconds(250);
constexpr int kQuoteAttempts = 3;

TPML_PCR_SELECTION sha256_selection(const std::vector<unsigned>& pcrs) {
  TPML_PCR_SELECTION selection{};
  selection.count = 1;
  auto& s = selection.pcrSelections[0];
  s.hash = TPM2_ALG_SHA256;
  s.sizeofSelect = 3;
  for (unsigned pcr : pcrs) s.pcrSelect[pcr / 8] |= static_cast<BYTE>(1U << (pcr % 8));
  return selection;
}

std::string to_string(const void* data, std::size_t size) {
  return std::string(static_cast<const char*>(data), size);
}

common::Result<std::string> tpm_property_string(ESYS_CONTEXT* esys, TPM2_PT property) {
  TPMI_YES_NO more = 0;
  TPMS_CAPABILITY_DATA* raw = nullptr;
  TSS2_RC rc = Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                  TPM2_CAP_TPM_PROPERTIES, property, 1, &more, &raw);
  EsysPtr<TPMS_CAPABILITY_DATA> data(raw);
  if (rc != TSS2_RC_SUCCESS) return std::unexpected(tpm_error(rc, "read TPM properties"));
  if (data->data.tpmProperties.count < 1) return std::string();
  UINT32 value = data->data.tpmProperties.tpmProperty[0].value;
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    char c = static_cast<char>((value >> shift) & 0xff);
    if (c >= 0x20 && c < 0x7f) out.push_back(c);
  }
  return out;
}

common::Result<std::string> read_pcr_sha256(ESYS_CONTEXT* esys, unsigned pcr) {
  TPML_PCR_SELECTION selection = sha256_selection({pcr});
  UINT32 counter = 0;
  TPML_PCR_SELECTION* out_selection = nullptr;
  TPML_DIGEST* values = nullptr;
  TSS2_RC rc = Esys_PCR_Read(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &selection, &counter,
                             &out_selection, &values);
  EsysPtr<TPML_PCR_SELECTION> selection_owner(out_selection);
  EsysPtr<TPML_DIGEST> values_owner(values);
  if (rc != TSS2_RC_SUCCESS) return std::unexpected(tpm_error(rc, "read PCR"));
  if (values->count != 1) return fail(Error::Kind::internal, "unable to read PCR: no value");
  return to_string(values->digests[0].buffer, values->digests[0].size);
}

}  // namespace

struct Attester::Setup {
  TpmIdentity identity;
  TPM2B_PUBLIC ak_template{};
  std::optional<TPMS_CONTEXT> ak_saved;  // the AK, saved and flushed between quotes
  std::string manufacturer;
};

Attester::Attester(std::string tcti)
    : tcti_(std::move(tcti)),
      persistent_(!tcti_.starts_with("swtpm") && !tcti_.starts_with("mssim")) {}
Attester::~Attester() = default;

void Attester::set_on_connect(std::function<common::Status()> hook) {
  std::lock_guard guard(mutex_);
  on_connect_ = std::move(hook);
}

common::Status Attester::ensure_open() {
  if (tpm_) return {};
  auto now = std::chrono::steady_clock::now();
  if (last_error_ && now - last_attempt_ < kReconnectInterval) return std::unexpected(*last_error_);
  last_attempt_ = now;
  auto status = open();
  if (!status) {
    tpm_.reset();
    if (!last_error_ || last_error_->message != status.error().message) {
      common::log::warning(Event{"tpm.unavailable"}, "unable to reach the TPM", {{"reason", status.error().message}});
    }
    last_error_ = status.error();
    return status;
  }
  if (last_error_) common::log::notice(Event{"tpm.available"}, "TPM available again", {{"tcti", tcti_}});
  last_error_.reset();
  return {};
}

common::Status Attester::open() {
  auto context = TpmContext::open(tcti_);
  if (!context) return std::unexpected(context.error());
  tpm_ = std::move(*context);
  if (!setup_) {
    if (auto s = set_up(tpm_->esys()); !s) return s;
  }
  if (on_connect_) {
    in_hook_ = true;
    auto hook = on_connect_();
    in_hook_ = false;
    if (!hook) return hook;
  }
  return {};
}

common::Status Attester::set_up(ESYS_CONTEXT* esys) {
  auto setup = std::make_unique<Setup>();
  auto ak_template = attestation_key_template(esys);
  if (!ak_template) return std::unexpected(ak_template.error());
  setup->ak_template = ak_template->public_area;
  setup->identity.ak_source = ak_template->source;
  auto ak = create_endorsement_primary(esys, setup->ak_template);
  if (!ak) return std::unexpected(common::wrap(ak.error(), "unable to create the AK"));
  TransientHandle ak_handle(esys, ak->handle);
  auto ak_pem = public_area_pem(ak->public_area.publicArea);
  if (!ak_pem) return std::unexpected(ak_pem.error());
  setup->identity.ak_public_pem = *ak_pem;
  if (ak_template->certificate_index) {
    auto certificate = nv_certificate_pem(esys, {*ak_template->certificate_index});
    if (certificate) {
      setup->identity.ak_certificate_pem = *certificate;
    } else if (certificate.error().kind == Error::Kind::environment) {
      return std::unexpected(certificate.error());
    } else {
      common::log::warning(Event{"tpm.ak_certificate_unreadable"}, "unable to read the AK certificate",
                           {{"reason", certificate.error().message}});
    }
  }
  TPMS_CONTEXT* saved = nullptr;
  if (Esys_ContextSave(esys, ak->handle, &saved) == TSS2_RC_SUCCESS) {
    setup->ak_saved = *saved;
    Esys_Free(saved);
  }

  auto ek = create_endorsement_primary(esys, ek_ecc_template());
  if (ek) {
    TransientHandle ek_handle(esys, ek->handle);
    if (auto pem = public_area_pem(ek->public_area.publicArea))
      setup->identity.ek_public_pem = *pem;
  } else if (ek.error().kind == Error::Kind::environment) {
    return std::unexpected(ek.error());
  } else {
    common::log::warning(Event{"tpm.ek_missing"}, "unable to read the EK public key", {{"reason", ek.error().message}});
  }
  auto ek_cert = ek_certificate_pem(esys);
  if (ek_cert) {
    setup->identity.ek_certificate_pem = *ek_cert;
  } else if (ek_cert.error().kind == Error::Kind::environment) {
    return std::unexpected(ek_cert.error());
  } else {
    common::log::warning(Event{"tpm.ek_certificate_missing"}, "unable to read the EK certificate", {{"reason", ek_cert.error().message}});
  }
  setup->manufacturer = tpm_property_string(esys, TPM2_PT_MANUFACTURER).value_or("");
  common::log::info(Event{"tpm.ready"}, "TPM ready", {{"tcti", tcti_},
                                  {"ak_source", setup->identity.ak_source},
                                  {"ak_certified", setup->identity.ak_certificate_pem.has_value()},
                                  {"manufacturer", setup->manufacturer}});
  setup_ = std::move(setup);
  return {};
}

void Attester::drop(const common::Error& error) {
  common::log::warning(Event{"tpm.lost"}, "unable to keep the TPM connection", {{"reason", error.message}});
  tpm_.reset();
  setup_.reset();  // the TPM that comes back may be another one: derive again
  last_error_ = error;
  last_attempt_ = std::chrono::steady_clock::now();
}

template <class F>
auto Attester::with_tpm(F&& f)
    -> decltype(f(std::declval<ESYS_CONTEXT*>(), std::declval<Setup&>())) {
  std::lock_guard guard(mutex_);
  if (auto s = ensure_open(); !s) return std::unexpected(s.error());
  if (!setup_) {  // only while the on-connect hook runs before set-up: impossible
    return fail(Error::Kind::internal, "unable to use the TPM: not set up");
  }
  ++depth_;
  auto result = f(tpm_->esys(), *setup_);
  --depth_;
  if (in_hook_) return result;  // open() owns the connection until the hook returns
  if (!result && result.error().kind == Error::Kind::environment && tpm_) {
    drop(result.error());
  } else if (depth_ == 0 && !persistent_) {
    tpm_.reset();  // let other clients of a single-client simulator in
  }
  return result;
}

common::Result<std::string> Attester::read_pcr(unsigned pcr) {
  return with_tpm([&](ESYS_CONTEXT* esys, Setup&) { return read_pcr_sha256(esys, pcr); });
}

common::Status Attester::extend_pcr(unsigned pcr, std::string_view sha256_digest) {
  return with_tpm([&](ESYS_CONTEXT* esys, Setup&) -> common::Status {
    if (pcr > 23 || sha256_digest.size() != 32) {
      return fail(Error::Kind::internal, "unable to extend PCR: bad index or digest");
    }
    TPML_DIGEST_VALUES digests{};
    digests.count = 1;
    digests.digests[0].hashAlg = TPM2_ALG_SHA256;
    std::memcpy(digests.digests[0].digest.sha256, sha256_digest.data(), 32);
    TSS2_RC rc = Esys_PCR_Extend(esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                 ESYS_TR_NONE, &digests);
    if (rc != TSS2_RC_SUCCESS) return std::unexpected(tpm_error(rc, "extend PCR"));
    return {};
  });
}

common::Result<TpmQuote> Attester::quote(std::string_view qualifying_data,
                                         const std::vector<unsigned>& pcrs) {
  return with_tpm([&](ESYS_CONTEXT* esys, Setup& setup) -> common::Result<TpmQuote> {
    if (qualifying_data.size() > sizeof(TPM2B_DATA::buffer)) {
      return fail(Error::Kind::internal, "unable to quote: qualifying data too long");
    }
    // The AK: reload the saved context, or derive it again from the template
    // when the TPM no longer accepts the context (it was reset).
    ESYS_TR ak = ESYS_TR_NONE;
    if (!setup.ak_saved || Esys_ContextLoad(esys, &*setup.ak_saved, &ak) != TSS2_RC_SUCCESS) {
      auto created = create_endorsement_primary(esys, setup.ak_template);
      if (!created) return std::unexpected(created.error());
      ak = created->handle;
      auto pem = public_area_pem(created->public_area.publicArea);
      if (!pem) {
        Esys_FlushContext(esys, ak);
        return std::unexpected(pem.error());
      }
      setup.identity.ak_public_pem = *pem;
      TPMS_CONTEXT* saved = nullptr;
      if (Esys_ContextSave(esys, ak, &saved) == TSS2_RC_SUCCESS) {
        setup.ak_saved = *saved;
        Esys_Free(saved);
      }
    }
    TransientHandle ak_handle(esys, ak);

    for (int attempt = 0; attempt < kQuoteAttempts; ++attempt) {
      TpmQuote out;
      for (unsigned pcr : pcrs) {
        // PCR_Read answers at most eight values a call; one at a time is simplest.
        auto value = read_pcr_sha256(esys, pcr);
        if (!value) return std::unexpected(value.error());
        out.pcrs[pcr] = *value;
      }
      TPM2B_DATA qualifying{};
      qualifying.size = static_cast<UINT16>(qualifying_data.size());
      std::memcpy(qualifying.buffer, qualifying_data.data(), qualifying_data.size());
      TPMT_SIG_SCHEME scheme{};
      scheme.scheme = TPM2_ALG_NULL;  // the AK's own scheme
      TPML_PCR_SELECTION selection = sha256_selection(pcrs);
      TPM2B_ATTEST* attest = nullptr;
      TPMT_SIGNATURE* signature = nullptr;
      TSS2_RC rc = Esys_Quote(esys, ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &qualifying,
                              &scheme, &selection, &attest, &signature);
      EsysPtr<TPM2B_ATTEST> attest_owner(attest);
      EsysPtr<TPMT_SIGNATURE> signature_owner(signature);
      if (rc != TSS2_RC_SUCCESS) return std::unexpected(tpm_error(rc, "quote"));
      out.attest = to_string(attest->attestationData, attest->size);
      uint8_t buffer[sizeof(TPMT_SIGNATURE) + 16];
      size_t offset = 0;
      if (Tss2_MU_TPMT_SIGNATURE_Marshal(signature, buffer, sizeof buffer, &offset) !=
          TSS2_RC_SUCCESS) {
        return fail(Error::Kind::internal, "unable to marshal the quote's signature");
      }
      out.signature = to_string(buffer, offset);

      // A PCR extended between the reads and the quote (another TPM user)
      // makes the reported values disagree with the signed digest: retry.
      TPMS_ATTEST parsed{};
      size_t parsed_offset = 0;
      if (Tss2_MU_TPMS_ATTEST_Unmarshal(attest->attestationData, attest->size, &parsed_offset,
                                        &parsed) != TSS2_RC_SUCCESS) {
        return fail(Error::Kind::internal, "unable to parse the TPM's own quote");
      }
      std::string concatenated;
      for (unsigned pcr : pcrs) concatenated += out.pcrs[pcr];
      const auto& digest = parsed.attested.quote.pcrDigest;
      if (common::crypto::sha256(concatenated) == to_string(digest.buffer, digest.size)) return out;
    }
    return fail(Error::Kind::environment, "unable to quote: PCRs kept changing during the quote");
  });
}

common::Result<TpmIdentity> Attester::identity() {
  return with_tpm(
      [&](ESYS_CONTEXT*, Setup& setup) -> common::Result<TpmIdentity> { return setup.identity; });
}

common::json Attester::status() {
  std::lock_guard guard(mutex_);
  std::string ak_source;
  auto probe = with_tpm([&](ESYS_CONTEXT* esys, Setup& setup) -> common::Result<std::string> {
    ak_source = setup.identity.ak_source;
    return tpm_property_string(esys, TPM2_PT_MANUFACTURER);
  });
  common::json out = {{"tcti", tcti_}};
  if (!probe) {
    out["state"] = "unavailable";
    out["error"] = probe.error().message;
    return out;
  }
  out["state"] = "ready";
  out["manufacturer"] = *probe;
  out["ak_source"] = ak_source;
  return out;
}

}  // namespace attestd
