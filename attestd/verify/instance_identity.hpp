#pragma once
// The GCE instance identity that Google writes into every vTPM AK/EK
// certificate (extension 1.3.6.1.4.1.11129.2.1.21), as DER:
//
//   SEQUENCE {
//     zone            UTF8String,
//     project_number  INTEGER,
//     project_id      UTF8String,
//     instance_id     INTEGER,
//     instance_name   UTF8String,
//     security        [0] EXPLICIT SEQUENCE {          -- optional
//       security_version [0] EXPLICIT INTEGER OPTIONAL,
//       is_production    [1] EXPLICIT BOOLEAN OPTIONAL } OPTIONAL }
//
// Parsed by hand (a strict DER subset: single-byte tags, definite minimal
// lengths) because OpenSSL has no public template for it; every byte must be
// accounted for.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace attest {

inline constexpr const char* kGceInstanceIdentityOid = "1.3.6.1.4.1.11129.2.1.21";

struct GceInstanceIdentity {
  std::string zone;
  std::uint64_t project_number = 0;
  std::string project_id;
  std::uint64_t instance_id = 0;
  std::string instance_name;
  std::optional<std::uint64_t> security_version;
  std::optional<bool> is_production;
};

common::Result<GceInstanceIdentity> parse_gce_instance_identity(std::string_view der);

// DER of the same structure (the simulation's CA and tests issue it).
std::string gce_instance_identity_der(const GceInstanceIdentity& identity);

// Whether the identity is the instance the operator named, given as
// PROJECT/ZONE/NAME-OR-ID (PROJECT: project id or number).
bool identity_matches(const GceInstanceIdentity& identity, std::string_view wanted);

// "project/zone/name (instance id N, project number M)" for reports.
std::string describe_identity(const GceInstanceIdentity& identity);

}  // namespace attest
