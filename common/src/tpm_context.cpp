#include "common/tpm_context.hpp"

#include <tss2/tss2_rc.h>

#include "common/log.hpp"

namespace common::tpm {

Error tpm_error(TSS2_RC rc, std::string_view what) {
  const bool below_tpm = (rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER;
  // Retry-class answers from the TPM itself are transient too.
  const bool tpm_busy = is_tpm_rc(rc, TPM2_RC_RETRY) || is_tpm_rc(rc, TPM2_RC_YIELDED) ||
                        is_tpm_rc(rc, TPM2_RC_TESTING) || is_tpm_rc(rc, TPM2_RC_INITIALIZE) ||
                        is_tpm_rc(rc, TPM2_RC_NV_RATE) || is_tpm_rc(rc, TPM2_RC_NV_UNAVAILABLE);
  return Error{below_tpm || tpm_busy ? Error::Kind::environment : Error::Kind::internal,
      "unable to " + std::string(what) + ": " + Tss2_RC_Decode(rc)};
}

bool is_tpm_rc(TSS2_RC rc, TSS2_RC tpm_code) {
  if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER) return false;
  // Format-one codes carry a parameter/handle/session number in bits 6..11;
  // compare only the error number and the format bit.
  if (rc & TPM2_RC_FMT1) return (rc & (TPM2_RC_FMT1 | 0x3f)) == tpm_code;
  return (rc & 0xfff) == tpm_code;
}

common::Result<std::unique_ptr<TpmContext>> TpmContext::open(const std::string& tcti) {
  std::unique_ptr<TpmContext> context(new TpmContext());  // private constructor
  TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti.c_str(), &context->tcti_);
  if (rc != TSS2_RC_SUCCESS) {
    return std::unexpected(
        common::Error{common::Error::Kind::environment,
                      "unable to open TCTI \"" + tcti + "\": " + Tss2_RC_Decode(rc)});
  }
  rc = Esys_Initialize(&context->esys_, context->tcti_, nullptr);
  if (rc != TSS2_RC_SUCCESS) return std::unexpected(tpm_error(rc, "initialise ESAPI"));

  rc = Esys_Startup(context->esys_, TPM2_SU_CLEAR);
  if (rc != TSS2_RC_SUCCESS && !is_tpm_rc(rc, TPM2_RC_INITIALIZE)) {
    // A resource manager may refuse Startup; what matters is that the TPM answers.
    TPMI_YES_NO more = 0;
    TPMS_CAPABILITY_DATA* raw = nullptr;
    TSS2_RC probe =
        Esys_GetCapability(context->esys_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                           TPM2_CAP_TPM_PROPERTIES, TPM2_PT_MANUFACTURER, 1, &more, &raw);
    EsysPtr<TPMS_CAPABILITY_DATA> data(raw);
    if (probe != TSS2_RC_SUCCESS) return std::unexpected(tpm_error(probe, "reach the TPM"));
  }
  return context;
}

TpmContext::~TpmContext() {
  if (esys_ != nullptr) Esys_Finalize(&esys_);
  if (tcti_ != nullptr) Tss2_TctiLdr_Finalize(&tcti_);
}

TransientHandle::~TransientHandle() {
  if (handle_ == ESYS_TR_NONE) return;
  TSS2_RC rc = Esys_FlushContext(esys_, handle_);
  if (rc != TSS2_RC_SUCCESS) {
    log::warning(log::Event{"tpm.flush_failed"}, "unable to flush a transient TPM object",
                 {{"reason", std::string(Tss2_RC_Decode(rc))}});
  }
}

}  // namespace common::tpm
