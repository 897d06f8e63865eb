#!/usr/bin/env python3
"""Verifies an authd id_token the way a standard OIDC client library does,
with PyJWT (Debian python3-jwt): key by kid from the JWKS, ES256 only,
signature, iss, aud, exp, iat; then the nonce.

usage: verify_id_token.py JWKS_FILE TOKEN_FILE ISSUER AUDIENCE NONCE
Prints {"ok": true, "sub": ...} and exits 0, or exits 1 with the reason."""
import json
import sys

import jwt


def main():
    jwks_file, token_file, issuer, audience, nonce = sys.argv[1:6]
    with open(jwks_file) as f:
        jwks = json.load(f)
    with open(token_file) as f:
        token = f.read().strip()
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    key = jwt.PyJWK(jwk).key
    claims = jwt.decode(token, key, algorithms=["ES256"], audience=audience, issuer=issuer,
                        options={"require": ["exp", "iat", "sub", "aud", "iss"]})
    if claims.get("nonce") != nonce:
        raise ValueError("nonce mismatch")
    print(json.dumps({"ok": True, "sub": claims["sub"]}))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - any failure is a verification failure
        print("verification failed: %s: %s" % (type(e).__name__, e))
        sys.exit(1)
