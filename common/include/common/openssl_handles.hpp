#pragma once
// Owning handles for the OpenSSL objects the project uses: one definition
// each, so that every file frees an object the same way and none by hand.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace common::openssl {

// Calls `Free` on the pointer: the deleter for any OpenSSL `X_free`.
template <auto Free>
struct FreeWith {
  template <typename T>
  void operator()(T* object) const {
    Free(object);
  }
};

template <typename T, auto Free>
using Handle = std::unique_ptr<T, FreeWith<Free>>;

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

}  // namespace common::openssl
