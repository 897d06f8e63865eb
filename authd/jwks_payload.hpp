#pragma once
// What authd publishes to attestd on its IPC socket (contract::authd's JWKS
// feed): the key set exactly as /jwks.json serves it and the SHA-256 of those
// bytes, which attestd binds into its quotes.

#include "authd/key_ring.hpp"
#include "common/ipc_contracts.hpp"

namespace authd {

common::contract::Jwks jwks_payload(const KeyRing& keys);

}  // namespace authd
