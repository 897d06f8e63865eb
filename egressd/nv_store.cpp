#include "egressd/nv_store.hpp"

#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include <cstring>
#include <memory>

namespace egressd {
namespace {

using common::Error;

constexpr TPMA_NV kAttributes = TPMA_NV_AUTHWRITE | TPMA_NV_AUTHREAD | TPMA_NV_NO_DA;

bool is_tpm_rc(TSS2_RC rc, TSS2_RC code) {
  if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER) return false;
  if (rc & TPM2_RC_FMT1) return (rc & (TPM2_RC_FMT1 | 0x3f)) == code;
  return (rc & 0xfff) == code;
}

Error tpm_error(TSS2_RC rc, std::string_view what) {
  // Below the TPM (TCTI, device) or the TPM asking to retry: the environment.
  const bool transient = (rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER ||
                         is_tpm_rc(rc, TPM2_RC_RETRY) || is_tpm_rc(rc, TPM2_RC_YIELDED) ||
                         is_tpm_rc(rc, TPM2_RC_TESTING) || is_tpm_rc(rc, TPM2_RC_NV_RATE) ||
                         is_tpm_rc(rc, TPM2_RC_NV_UNAVAILABLE);
  return Error{transient ? Error::Kind::environment : Error::Kind::internal,
               "unable to " + std::string(what) + ": " + Tss2_RC_Decode(rc)};
}

// One connection: TCTI and ESAPI context, finalised in reverse order.
class Connection {
 public:
  static common::Result<std::unique_ptr<Connection>> open(const std::string& tcti) {
    std::unique_ptr<Connection> c(new Connection());
    TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti.c_str(), &c->tcti_);
    if (rc != TSS2_RC_SUCCESS) return std::unexpected(tpm_error(rc, "open TCTI " + tcti));
    rc = Esys_Initialize(&c->esys_, c->tcti_, nullptr);
    if (rc != TSS2_RC_SUCCESS) return std::unexpected(tpm_error(rc, "initialise ESAPI"));
    return c;
  }
  ~Connection() {
    if (esys_ != nullptr) Esys_Finalize(&esys_);
    if (tcti_ != nullptr) Tss2_TctiLdr_Finalize(&tcti_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ESYS_CONTEXT* esys() const { return esys_; }

 private:
  Connection() = default;
  TSS2_TCTI_CONTEXT* tcti_ = nullptr;
  ESYS_CONTEXT* esys_ = nullptr;
};

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
  auto connection = Connection::open(tcti_);
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
  auto connection = Connection::open(tcti_);
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
