#pragma once
// The month's count in a TPM NV index, through tpm2-tss ESAPI over the
// kernel's resource manager (/dev/tpmrm0), so that attestd's use of the TPM
// is undisturbed: each operation opens its own connection (which also suits
// swtpm, which serves one client at a time) and touches nothing but this
// index.
//
// The index (default 0x01001500, in the owner range 0x01000000-0x013FFFFF
// that no firmware, GCE provisioning or attestd uses) is an ordinary index
// of kNvRecordSize bytes, defined under the owner hierarchy (empty owner
// auth, as on GCE's vTPM) with AUTHREAD | AUTHWRITE | NO_DA and an empty
// auth value. An index already there with another size or other attributes
// belongs to someone else: it is never written or undefined.

#include <cstdint>
#include <optional>
#include <string>

#include "common/error.hpp"
#include "egressd/nv_record.hpp"

namespace egressd {

inline constexpr std::uint32_t kDefaultNvIndex = 0x01001500;

class NvStore {
 public:
  NvStore(std::string tcti, std::uint32_t index);

  // The saved record; nullopt when the index does not exist or was never
  // written (a first boot). environment: TPM unreachable; permission: the
  // index is someone else's; invalid_input: unreadable content.
  common::Result<std::optional<NvRecord>> load() const;
  // Writes the record, defining the index first if it does not exist.
  common::Status save(const NvRecord& record) const;

  std::uint32_t index() const { return index_; }

 private:
  std::string tcti_;
  std::uint32_t index_;
};

}  // namespace egressd
