#pragma once
// Every IPC operation between the appliance's processes, declared once.
// Both sides include this header; a socket, method or event that is not here
// does not exist. Socket paths are under runtime_dir() (default /run, set by
// APPLIANCE_RUN_DIR for tests and local runs).
//
// Access: a socket admits the uids of the users named in its `callers` list
// (resolved with getpwnam when the server starts) plus its own uid, so that
// on a development machine, where everything runs as one user, it works too.

#include <sys/types.h>

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace common::contract {

// Unprivileged users the daemons run as (created in the image's /etc/passwd).
namespace user {
inline constexpr std::string_view authd = "authd";
inline constexpr std::string_view acmed = "acmed";
inline constexpr std::string_view attestd = "attestd";
}  // namespace user

// ---------------------------------------------------------------- init ----
// Control socket of the supervisor (PID 1).
namespace init {
inline constexpr std::string_view socket = "init/control.sock";
inline constexpr std::array<std::string_view, 1> callers = {user::attestd};
// "status": params {} -> {"services": [{"name", "state", "pid", "restarts",
//   "last_exit": {"code"|"signal": int} | null, "uptime_seconds"}]}
//   callers: attestd, root
inline constexpr std::string_view status = "status";
// "restart": params {"service": name} -> {}        callers: root only
inline constexpr std::string_view restart = "restart";
}  // namespace init

// -------------------------------------------------------------- attestd ---
// attestd owns the measured runtime configuration: it reads it from the
// metadata server, extends it into the configuration PCR, and only then
// serves it, so that nothing uses a value the quote does not prove.
namespace attestd {
inline constexpr std::string_view socket = "attestd/ipc.sock";
inline constexpr std::array<std::string_view, 2> callers = {user::authd, user::acmed};
// "config.get": params {} -> {"config": {key: string value, ...}}
inline constexpr std::string_view config_get = "config.get";
// event "config.updated": data {"config": {...}} after a re-measurement
inline constexpr std::string_view config_updated = "config.updated";
// The metadata attributes that change behaviour and are therefore measured.
// Secrets (paypal_client_secret, acme_eab_hmac) are deliberately not here.
inline constexpr std::array<std::string_view, 13> measured_keys = {
    "domain",          "paypal_client_id",  "paypal_environment", "paypal_authorize_url",
    "paypal_api_base", "oidc_clients",      "acme_directory",     "acme_contact",
    "acme_profile",    "acme_eab_kid",      "acme_ca_pem",        "acme_preferred_issuer",
    "extra_ca_pem"};
}  // namespace attestd

// ---------------------------------------------------------------- acmed ---
namespace acmed {
inline constexpr std::string_view socket = "acmed/ipc.sock";
inline constexpr std::array<std::string_view, 2> callers = {user::authd, user::attestd};
// "certificate.get": params {} -> {"chain_pem": str, "key_pem": str,
//   "not_after": unix seconds, "self_signed": bool, "spki_sha256": hex}
inline constexpr std::string_view certificate_get = "certificate.get";
// event "certificate.updated": data as certificate.get's result
inline constexpr std::string_view certificate_updated = "certificate.updated";
}  // namespace acmed

// ---------------------------------------------------------------- authd ---
namespace authd {
inline constexpr std::string_view socket = "authd/ipc.sock";
inline constexpr std::array<std::string_view, 1> callers = {user::attestd};
// "jwks.get": params {} -> {"jwks": {"keys": [...]}, "sha256": hex of the
//   canonical JWKS bytes that attestd binds}
inline constexpr std::string_view jwks_get = "jwks.get";
// event "jwks.updated": data as jwks.get's result (after a key rotation)
inline constexpr std::string_view jwks_updated = "jwks.updated";
}  // namespace authd

// Where sockets live: $APPLIANCE_RUN_DIR or /run.
std::string runtime_dir();
// runtime_dir() + "/" + relative socket path.
std::string socket_path(std::string_view relative);
// The uids a socket admits (ServerOptions::allowed_uids): those of the users
// in `callers` that exist on this machine (getpwnam), plus getuid().
std::vector<uid_t> allowed_uids(std::span<const std::string_view> callers);

}  // namespace common::contract
