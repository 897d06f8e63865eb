#include "egressd/nv_store.hpp"

#include <tss2/tss2_esys.h>

#include <cstring>
#include <memory>

#include "common/tpm_context.hpp"

namespace egressd {
namespace {

using common::Error;

constexpr TPMA_NV kAttributes = TPMA_NV_AUTHWRITE | TPMA_NV_AUTHREAD | TPMA_NV_NO_DA;

using common::tpm::is_tpm_rc;
using common::tpm::tpm_error;
using common::tpm::TpmContext;

// The index's ESAPI handle, after checking that it is ours; nullopt if absent.
common::Result<std::optional<ESYS_TR>> find_index(ESYS_CONTEXT* esys, std::uint32_t index) {
  ESYS_TR handle = ESYS_TR_NONE;
  TSS2_RC rc =
      Esys_TR_FromTPMPublic(esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &handle);
  if (is_tpm_rc(rc, TPM2_RC_HANDLE)) return std::optional<ESYS_TR>();
  if (rc != TSS2_RC_SUCCESS) return std::unexpected(tpm_error(rc, "find the NV index"));
  TPM2B_NV_PUBLIC* raw = nullptr;
  rc = Esys_NV_ReadPublic(esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &raw, nullptr);
  std::unique_ptr<TPM2B_NV_PUBLIC, void (*)(void*)> info(raw, Esys_Free);
  if (rc != TSS2_RC_SUCCESS)
    return std::unexpected(tpm_error(rc, "read the NV index's public area"));
  const auto& pub = info->nvPublic;
  const TPMA_NV mask =
      kAttributes | TPMA_NV_TPM2_NT_MASK | TPMA_NV_POLICYWRITE | TPMA_NV_POLICYREAD;
  if (pub.dataSize != kNvRecordSize || (pub.attributes & mask) != kAttributes) {
    return common::fail(Error::Kind::permission,
                        "NV index is in use by something else (other size or attributes)");
  }
  return std::optional<ESYS_TR>(handle);
}

common::Result<ESYS_TR> define_index(ESYS_CONTEXT* esys, std::uint32_t index) {
  TPM2B_AUTH auth{};
  TPM2B_NV_PUBLIC info{};
  info.nvPublic.nvIndex = index;
  info.nvPublic.nameAlg = TPM2_ALG_SHA256;
  info.nvPublic.attributes = kAttributes;  // type ordinary (0)
  info.nvPublic.dataSize = kNvRecordSize;
  ESYS_TR handle = ESYS_TR_NONE;
  TSS2_RC rc = Esys_NV_DefineSpace(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                   ESYS_TR_NONE, &auth, &info, &handle);
  if (rc != TSS2_RC_SUCCESS) return std::unexpected(tpm_error(rc, "define the NV index"));
  return handle;
}

}  // namespace

NvStore::NvStore(std::string tcti, std::uint32_t index) : tcti_(std::move(tcti)), index_(index) {}

common::Result<std::optional<NvRecord>> NvStore::load() const {
  auto connection = TpmContext::open(tcti_);
  if (!connection) return std::unexpected(connection.error());
  ESYS_CONTEXT* esys = (*connection)->esys();
  auto handle = find_index(esys, index_);
  if (!handle) return std::unexpected(handle.error());
  if (!*handle) return std::optional<NvRecord>();
  TPM2B_MAX_NV_BUFFER* raw = nullptr;
  TSS2_RC rc = Esys_NV_Read(esys, **handle, **handle, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                            kNvRecordSize, 0, &raw);
  std::unique_ptr<TPM2B_MAX_NV_BUFFER, void (*)(void*)> data(raw, Esys_Free);
  if (is_tpm_rc(rc, TPM2_RC_NV_UNINITIALIZED)) return std::optional<NvRecord>();
  if (rc != TSS2_RC_SUCCESS) return std::unexpected(tpm_error(rc, "read the NV index"));
  auto record = decode(std::vector<std::uint8_t>(data->buffer, data->buffer + data->size));
  if (!record) return std::unexpected(record.error());
  return std::optional<NvRecord>(std::move(*record));
}

common::Status NvStore::save(const NvRecord& record) const {
  auto connection = TpmContext::open(tcti_);
  if (!connection) return std::unexpected(connection.error());
  ESYS_CONTEXT* esys = (*connection)->esys();
  auto found = find_index(esys, index_);
  if (!found) return std::unexpected(found.error());
  ESYS_TR handle = ESYS_TR_NONE;
  if (*found) {
    handle = **found;
  } else {
    auto defined = define_index(esys, index_);
    if (!defined) return std::unexpected(defined.error());
    handle = *defined;
  }
  const auto bytes = encode(record);
  TPM2B_MAX_NV_BUFFER data{};
  data.size = static_cast<UINT16>(bytes.size());
  std::memcpy(data.buffer, bytes.data(), bytes.size());
  TSS2_RC rc =
      Esys_NV_Write(esys, handle, handle, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &data, 0);
  if (rc != TSS2_RC_SUCCESS) return std::unexpected(tpm_error(rc, "write the NV index"));
  return {};
}

}  // namespace egressd
