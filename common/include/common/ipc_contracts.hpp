#pragma once
// Every IPC operation between the appliance's processes, declared once, with
// the type of each payload and its JSON form. Both sides include this header
// and convert with the same to_json/from_json, so a field is written in one
// place and read in one place; a socket, method or event that is not here
// does not exist. Socket paths are under runtime_dir() (default /run, set by
// APPLIANCE_RUN_DIR for tests and local runs).
//
// Access: a socket admits the uids of the users named in its `callers` list
// (resolved with getpwnam when the server starts) plus its own uid, so that
// on a development machine, where everything runs as one user, it works too.

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/json.hpp"

namespace common::contract {

// A socket and the users it admits.
struct Endpoint {
  std::string_view socket;
  std::span<const std::string_view> callers;
};

// "Hold the latest value, answer `get` with it, push `updated` with each new
// one": served by ipc::Publisher<Payload>, followed by ipc::follow().
template <class Payload>
struct Feed {
  Endpoint endpoint;
  std::string_view get;
  std::string_view updated;
};

// ------------------------------------------------------------ payloads ----
// Each payload: to_json() is what the producer sends, from_json() what every
// consumer accepts (never throws; a malformed payload is an invalid_input
// error that the consumer logs and ignores).

// attestd -> authd, acmed: the measured runtime configuration.
struct MeasuredConfig {
  std::map<std::string, std::string> values;  // attribute -> value, measured keys only
  json to_json() const;                       // {"config": {key: value, ...}}
  static Result<MeasuredConfig> from_json(const json& data);
  bool operator==(const MeasuredConfig&) const = default;
};

// acmed -> authd, attestd: the TLS identity for the domain.
struct Certificate {
  std::string chain_pem;  // leaf first
  std::string key_pem;    // secret: never logged
  std::int64_t not_after = 0;  // the leaf's, unix seconds
  bool self_signed = false;    // acmed's bootstrap, not (yet) the CA's
  std::string spki_sha256;     // hex of the leaf's SubjectPublicKeyInfo digest
  json to_json() const;
  static Result<Certificate> from_json(const json& data);
};

// authd -> attestd: the signing keys, as /jwks.json serves them.
struct Jwks {
  json jwks;           // {"keys": [...]}
  std::string sha256;  // hex of the exact /jwks.json bytes, which attestd binds
  json to_json() const;
  static Result<Jwks> from_json(const json& data);
};

// init -> attestd: one supervised service.
struct ServiceStatus {
  std::string name;
  std::string state;
  std::int64_t pid = 0;
  std::int64_t restarts = 0;
  std::optional<std::int64_t> last_exit_code;    // exited with this status
  std::optional<std::int64_t> last_exit_signal;  // or was killed by this signal
  std::int64_t uptime_seconds = 0;
};

// init's status reply.
struct InitStatus {
  std::vector<ServiceStatus> services;
  json to_json() const;  // {"services": [{"name", "state", "pid", "restarts",
                         //   "last_exit": {"code"|"signal": int} | null, "uptime_seconds"}]}
  static Result<InitStatus> from_json(const json& data);
};

// egressd -> attestd: this month's egress against the cap.
struct EgressStatus {
  std::string state;  // "restoring" (NV not read yet) | "uncapped" | "under" | "warning" | "over"
  bool persisted = false;             // the month's count is in TPM NV
  std::optional<std::string> nv_index;  // "0x01001500"
  // Known once restored:
  std::optional<std::string> month;   // "YYYY-MM" (UTC)
  std::optional<std::int64_t> bytes;  // sent on the external interface this month
  std::optional<std::int64_t> cap_bytes;  // null: no cap
  std::vector<std::int64_t> warn_percent;
  std::optional<std::string> interface;
  json to_json() const;
  static Result<EgressStatus> from_json(const json& data);
};

// init's restart request.
struct RestartRequest {
  std::string service;
  json to_json() const;  // {"service": name}
  static Result<RestartRequest> from_json(const json& params);
};

// Unprivileged users the daemons run as (created in the image's /etc/passwd).
namespace user {
inline constexpr std::string_view authd = "authd";
inline constexpr std::string_view acmed = "acmed";
inline constexpr std::string_view attestd = "attestd";
inline constexpr std::string_view egressd = "egressd";
}  // namespace user

// ---------------------------------------------------------------- init ----
// Control socket of the supervisor (PID 1).
namespace init {
inline constexpr std::string_view socket = "init/control.sock";
inline constexpr std::array<std::string_view, 2> callers = {user::attestd, user::egressd};
// "status": params {} -> InitStatus               callers: attestd, root
inline constexpr std::string_view status = "status";
inline constexpr std::array<std::string_view, 1> status_callers = {user::attestd};
// "restart": params RestartRequest -> {}            callers: root only
inline constexpr std::string_view restart = "restart";
// "poweroff": params {} -> {}: stops every service in reverse order, then
//   powers the machine off (what the ACPI power button does).
//   callers: egressd (over its egress cap), root
inline constexpr std::string_view poweroff = "poweroff";
inline constexpr std::array<std::string_view, 1> poweroff_callers = {user::egressd};
}  // namespace init

// -------------------------------------------------------------- attestd ---
// attestd owns the measured runtime configuration: it reads it from the
// metadata server, extends it into the configuration PCR, and only then
// serves it, so that nothing uses a value the quote does not prove.
namespace attestd {
inline constexpr std::string_view socket = "attestd/ipc.sock";
inline constexpr std::array<std::string_view, 3> callers = {user::authd, user::acmed,
                                                            user::egressd};
// "config.get": params {} -> MeasuredConfig
inline constexpr std::string_view config_get = "config.get";
// event "config.updated": MeasuredConfig after a re-measurement
inline constexpr std::string_view config_updated = "config.updated";
inline constexpr Feed<MeasuredConfig> config_feed{{socket, callers}, config_get, config_updated};
// The metadata attributes that change behaviour and are therefore measured.
// Secrets (paypal_client_secret, acme_eab_hmac) are deliberately not here.
inline constexpr std::array<std::string_view, 15> measured_keys = {
    "domain",          "paypal_client_id",  "paypal_environment", "paypal_authorize_url",
    "paypal_api_base", "oidc_clients",      "acme_directory",     "acme_contact",
    "acme_profile",    "acme_eab_kid",      "acme_ca_pem",        "acme_preferred_issuer",
    "extra_ca_pem",    "egress_cap_bytes",  "egress_warn_percent"};
}  // namespace attestd

// -------------------------------------------------------------- egressd ---
// egressd counts the bytes the appliance sends this month (UTC) and powers
// the machine off through init at its cap (docs/traffic-cop.md).
namespace egressd {
inline constexpr std::string_view socket = "egressd/ipc.sock";
inline constexpr std::array<std::string_view, 1> callers = {user::attestd};
// "egress.status": params {} -> EgressStatus
inline constexpr std::string_view status = "egress.status";
}  // namespace egressd

// ---------------------------------------------------------------- acmed ---
namespace acmed {
inline constexpr std::string_view socket = "acmed/ipc.sock";
inline constexpr std::array<std::string_view, 2> callers = {user::authd, user::attestd};
// "certificate.get": params {} -> Certificate
inline constexpr std::string_view certificate_get = "certificate.get";
// event "certificate.updated": Certificate, on every new one
inline constexpr std::string_view certificate_updated = "certificate.updated";
inline constexpr Feed<Certificate> certificate_feed{
    {socket, callers}, certificate_get, certificate_updated};
}  // namespace acmed

// ---------------------------------------------------------------- authd ---
namespace authd {
inline constexpr std::string_view socket = "authd/ipc.sock";
inline constexpr std::array<std::string_view, 1> callers = {user::attestd};
// "jwks.get": params {} -> Jwks
inline constexpr std::string_view jwks_get = "jwks.get";
// event "jwks.updated": Jwks, after a key rotation
inline constexpr std::string_view jwks_updated = "jwks.updated";
inline constexpr Feed<Jwks> jwks_feed{{socket, callers}, jwks_get, jwks_updated};
}  // namespace authd

// Where sockets live: $APPLIANCE_RUN_DIR or /run.
std::string runtime_dir();
// runtime_dir() + "/" + relative socket path.
std::string socket_path(std::string_view relative);
// The uids a socket admits (ServerOptions::allowed_uids): those of the users
// in `callers` that exist on this machine (getpwnam), plus getuid().
std::vector<uid_t> allowed_uids(std::span<const std::string_view> callers);

}  // namespace common::contract
