#!/usr/bin/env python3
"""A relying party built on a standard OpenID Connect client library (Authlib
1.2, Debian python3-authlib) logs in through authd, as an independent checker
would, and checks what OIDC Discovery 1.0 section 3, OIDC Core 1.0 section 3.1
and RFC 6750 ask of the provider along the way.

usage: oidc_rp_conformance.py ISSUER CA_FILE UPSTREAM_CA_FILE CLIENTS_JSON
  CA_FILE: trust anchors for authd; UPSTREAM_CA_FILE: for the PayPal look-alike
  (two bundles, because the test certificates of both are self-signed with the
  same subject, CN=localhost, and one bundle holding both makes OpenSSL's
  issuer lookup in Python's ssl pick the wrong one)
  CLIENTS_JSON: [{"client_id", "client_secret" ("" for a public client),
                  "redirect_uri", "auth_method"}, ...]
  auth_method: client_secret_basic | client_secret_post | none (PKCE only)

The browser part (authd's /authorize, the PayPal look-alike that consents at
once, authd's /callback) is followed with a plain requests session and its
cookie jar, stopping at the relying party's redirect_uri, which is never
fetched. Prints one JSON line per login and "ALL OK"; exits 1 with the
reason on the first failure."""
import base64
import json
import sys
import time

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.jose.errors import JoseError
from authlib.oidc.core import CodeIDToken

REQUIRED_DISCOVERY = [
    "issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
    "response_types_supported", "subject_types_supported",
    "id_token_signing_alg_values_supported", "scopes_supported",
    "token_endpoint_auth_methods_supported", "claims_supported",
    "code_challenge_methods_supported", "grant_types_supported",
]


# Requests outside a login; trust_env off so that REQUESTS_CA_BUNDLE and the
# like cannot replace the test's trust anchors.
NO_ENV = requests.Session()
NO_ENV.trust_env = False


class Failure(Exception):
    pass


def expect(condition, what):
    if not condition:
        raise Failure(what)


def discover(issuer, ca_file):
    response = NO_ENV.get(issuer + "/.well-known/openid-configuration", verify=ca_file,
                          timeout=10)
    expect(response.status_code == 200, "discovery: HTTP %d" % response.status_code)
    expect(response.headers.get("Content-Type", "").startswith("application/json"),
           "discovery: not application/json")
    meta = response.json()
    for key in REQUIRED_DISCOVERY:
        expect(key in meta, "discovery: %s missing" % key)
    expect(meta["issuer"] == issuer, "discovery: issuer %r is not %r" % (meta["issuer"], issuer))
    expect("code" in meta["response_types_supported"], "discovery: no response_type code")
    expect("ES256" in meta["id_token_signing_alg_values_supported"], "discovery: no ES256")
    expect("S256" in meta["code_challenge_methods_supported"], "discovery: no S256")
    expect("openid" in meta["scopes_supported"], "discovery: no openid scope")
    expect("authorization_code" in meta["grant_types_supported"],
           "discovery: no authorization_code grant")
    for method in ("client_secret_basic", "client_secret_post", "none"):
        expect(method in meta["token_endpoint_auth_methods_supported"],
               "discovery: %s not listed" % method)
    return meta


def follow_browser(authorization_url, redirect_uri, issuer, ca_file, upstream_ca_file):
    """The person's browser: follows redirects until the relying party."""
    browser = requests.Session()
    browser.trust_env = False  # only the test's trust anchors, whatever the environment says
    url = authorization_url
    for _ in range(10):
        verify = ca_file if url.startswith(issuer + "/") else upstream_ca_file
        response = browser.get(url, allow_redirects=False, timeout=20, verify=verify)
        location = response.headers.get("Location")
        if response.status_code not in (302, 303) or not location:
            raise Failure("login stopped at %s: HTTP %d %s" % (url.split("?")[0],
                                                              response.status_code,
                                                              response.text[:200]))
        if location.startswith(redirect_uri):
            return location
        url = location
    raise Failure("too many redirects")


def login(meta, ca_file, upstream_ca_file, client, jwks):
    issuer = meta["issuer"]
    method = client["auth_method"]
    session = OAuth2Session(client_id=client["client_id"],
                            client_secret=client["client_secret"] or None,
                            token_endpoint_auth_method=method,
                            scope="openid email", redirect_uri=client["redirect_uri"],
                            code_challenge_method="S256")
    session.trust_env = False
    session.verify = ca_file
    seen = {}

    def keep_response(response):
        seen["token_response"] = response
        return response

    session.register_compliance_hook("access_token_response", keep_response)

    nonce = generate_token(32)
    code_verifier = generate_token(64)
    url, state = session.create_authorization_url(meta["authorization_endpoint"],
                                                  code_verifier=code_verifier, nonce=nonce)
    back = follow_browser(url, client["redirect_uri"], issuer, ca_file, upstream_ca_file)
    expect("iss=" in back and requests.utils.quote(issuer, safe="") in back,
           "authorization response lacks iss (RFC 9207)")
    # fetch_token checks the returned state against ours (authlib raises on a mismatch).
    token = session.fetch_token(meta["token_endpoint"], authorization_response=back, state=state,
                                code_verifier=code_verifier)
    response = seen["token_response"]
    expect(response.headers.get("Cache-Control") == "no-store", "token: Cache-Control")
    expect(response.headers.get("Pragma") == "no-cache", "token: Pragma")
    expect(token.get("token_type", "").lower() == "bearer", "token: token_type")
    expect(isinstance(token.get("expires_in"), int) and token["expires_in"] > 0,
           "token: expires_in")
    expect("id_token" in token, "token: no id_token")

    header = json.loads(base64.urlsafe_b64decode(token["id_token"].split(".")[0] + "=="))
    expect(header.get("alg") == "ES256", "id_token: alg %r" % header.get("alg"))
    expect(header.get("typ") == "JWT", "id_token: typ %r" % header.get("typ"))
    expect(any(k["kid"] == header.get("kid") for k in jwks["keys"]), "id_token: unknown kid")

    options = {"iss": {"essential": True, "value": issuer},
               "aud": {"essential": True, "value": client["client_id"]},
               "nonce": {"essential": True, "value": nonce}}
    params = {"nonce": nonce, "client_id": client["client_id"],
              "access_token": token["access_token"]}
    key_set = JsonWebKey.import_key_set(jwks)
    claims = jwt.decode(token["id_token"], key_set, claims_cls=CodeIDToken,
                        claims_options=options, claims_params=params)
    claims.validate(now=int(time.time()), leeway=5)
    expect(claims.header["alg"] == "ES256", "id_token: authlib saw another alg")

    # The library must refuse what a relying party must refuse: another nonce,
    # another audience, an access token the at_hash does not match.
    for name, bad_options, bad_params in (
            ("nonce", dict(options, nonce={"essential": True, "value": "other"}),
             dict(params, nonce="other")),
            ("aud", dict(options, aud={"essential": True, "value": "someone-else"}), params),
            ("at_hash", options, dict(params, access_token="not-the-access-token"))):
        bad = jwt.decode(token["id_token"], key_set, claims_cls=CodeIDToken,
                         claims_options=bad_options, claims_params=bad_params)
        try:
            bad.validate(now=int(time.time()), leeway=5)
        except JoseError:
            continue
        raise Failure("authlib accepted the id_token with a wrong %s" % name)
    expect("at_hash" in claims, "id_token: no at_hash")

    userinfo = session.get(meta["userinfo_endpoint"], timeout=10)
    expect(userinfo.status_code == 200, "userinfo: HTTP %d" % userinfo.status_code)
    info = userinfo.json()
    expect(info.get("sub") == claims["sub"], "userinfo: sub differs from the id_token's")

    # A code is single use: the same redemption again is refused.
    try:
        session.fetch_token(meta["token_endpoint"], authorization_response=back, state=state,
                            code_verifier=code_verifier)
        raise Failure("a code was redeemed twice")
    except Failure:
        raise
    except Exception as e:  # noqa: BLE001 - authlib's OAuthError
        expect("invalid_grant" in str(e), "replayed code: %s" % e)
    return {"client_id": client["client_id"], "auth_method": method, "sub": claims["sub"],
            "email": info.get("email"), "kid": header["kid"]}


def check_bad_bearer(meta, ca_file):
    response = NO_ENV.get(meta["userinfo_endpoint"], verify=ca_file, timeout=10,
                          headers={"Authorization": "Bearer not-a-token"})
    expect(response.status_code == 401, "bad bearer: HTTP %d" % response.status_code)
    challenge = response.headers.get("WWW-Authenticate", "")
    expect(challenge.startswith("Bearer ") and 'error="invalid_token"' in challenge,
           "bad bearer: WWW-Authenticate %r" % challenge)


def main():
    issuer, ca_file, upstream_ca_file, clients_json = sys.argv[1:5]
    meta = discover(issuer, ca_file)
    jwks = NO_ENV.get(meta["jwks_uri"], verify=ca_file, timeout=10).json()
    for client in json.loads(clients_json):
        print(json.dumps(login(meta, ca_file, upstream_ca_file, client, jwks)), flush=True)
    check_bad_bearer(meta, ca_file)
    print("ALL OK")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - any failure fails the conformance run
        print("conformance failed: %s: %s" % (type(e).__name__, e))
        sys.exit(1)
