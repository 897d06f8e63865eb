#pragma once
// What every OpenSSL caller in the project shares: owning handles (one
// definition per type, so that no file frees an object by hand) and the one
// way to turn OpenSSL's error queue into an Error.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <expected>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/unique_handle.hpp"

namespace common::openssl {

template <typename T, auto Free>
using Handle = UniqueHandle<T, Free>;

using Bio = Handle<BIO, BIO_free>;
using Bignum = Handle<BIGNUM, BN_free>;
using EcdsaSig = Handle<ECDSA_SIG, ECDSA_SIG_free>;
using MdCtx = Handle<EVP_MD_CTX, EVP_MD_CTX_free>;
using PkeyCtx = Handle<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using ParamBuilder = Handle<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using Params = Handle<OSSL_PARAM, OSSL_PARAM_free>;
using CertificateRequest = Handle<X509_REQ, X509_REQ_free>;
using GeneralNames = Handle<GENERAL_NAMES, GENERAL_NAMES_free>;
using Extension = Handle<X509_EXTENSION, X509_EXTENSION_free>;

// The newest entry of this thread's OpenSSL error queue, as text; clears the
// queue so that a stale entry never leaks into a later message.
std::string last_error_reason();

// fail(kind, "what: <OpenSSL's reason>").
std::unexpected<Error> fail_with_reason(Error::Kind kind, std::string_view what);

}  // namespace common::openssl
