#pragma once
// One connection to the TPM: a TCTI loaded by name ("device:/dev/tpmrm0",
// "swtpm:host=127.0.0.1,port=2321") and an ESAPI context over it, shared by
// the daemons that use the TPM (attestd: quotes; egressd: its NV index).
// Not thread-safe: each user serialises its own use. A library of its own
// (common_tpm), so that daemons without a TPM do not link tpm2-tss.

#include <memory>
#include <string>
#include <string_view>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include "common/error.hpp"

namespace common::tpm {

// Maps a tpm2-tss return code to an Error. Failures below the TPM (TCTI,
// socket, device) and the TPM's own "try again" answers (retry, yielded,
// testing, NV rate limit, NV unavailable) are Kind::environment: the caller
// drops this context and reconnects later.
common::Error tpm_error(TSS2_RC rc, std::string_view what);
bool is_tpm_rc(TSS2_RC rc, TSS2_RC tpm_code);  // format-zero/one aware comparison

class TpmContext {
 public:
  // Loads the TCTI, opens ESAPI and makes sure the TPM has been started
  // (swtpm and a simulator may need TPM2_Startup(CLEAR); a kernel resource
  // manager has done it already).
  static common::Result<std::unique_ptr<TpmContext>> open(const std::string& tcti);
  ~TpmContext();
  TpmContext(const TpmContext&) = delete;
  TpmContext& operator=(const TpmContext&) = delete;

  ESYS_CONTEXT* esys() const { return esys_; }

 private:
  TpmContext() = default;
  TSS2_TCTI_CONTEXT* tcti_ = nullptr;
  ESYS_CONTEXT* esys_ = nullptr;
};

// Frees memory that ESAPI hands out.
template <class T>
struct EsysFree {
  void operator()(T* p) const { Esys_Free(p); }
};
template <class T>
using EsysPtr = std::unique_ptr<T, EsysFree<T>>;

// Flushes a transient object when it goes out of scope: swtpm has no
// resource manager, and leaked objects exhaust its few slots.
class TransientHandle {
 public:
  TransientHandle(ESYS_CONTEXT* esys, ESYS_TR handle) : esys_(esys), handle_(handle) {}
  ~TransientHandle();
  TransientHandle(const TransientHandle&) = delete;
  TransientHandle& operator=(const TransientHandle&) = delete;
  ESYS_TR get() const { return handle_; }

 private:
  ESYS_CONTEXT* esys_;
  ESYS_TR handle_;
};

}  // namespace common::tpm
