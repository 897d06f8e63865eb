#include "common/x509.hpp"

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <array>
#include <cctype>
#include <ctime>

#include "common/openssl.hpp"

namespace common::x509 {
namespace {

using openssl::Bignum;
using openssl::Bio;
using openssl::Extension;
using openssl::GeneralNames;
using Request = openssl::CertificateRequest;

struct ExtensionStackDeleter {
  void operator()(STACK_OF(X509_EXTENSION) * stack) const {
    sk_X509_EXTENSION_pop_free(stack, X509_EXTENSION_free);
  }
};
using ExtensionStack = std::unique_ptr<STACK_OF(X509_EXTENSION), ExtensionStackDeleter>;

// Host names as ACME and browsers accept them: LDH labels, optionally one
// leading "*." wildcard. Checked here so that a bad config gets a clear error.
bool valid_dns_name(std::string_view name) {
  if (name.starts_with("*.")) name.remove_prefix(2);
  if (name.empty() || name.size() > 253) return false;
  std::size_t label = 0;
  for (const char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok || ++label > 63) return false;
  }
  return label > 0;
}

Result<GeneralNames> dns_general_names(const std::vector<std::string>& names) {
  if (names.empty()) return fail(Error::Kind::invalid_input, "no DNS names given");
  GeneralNames general(GENERAL_NAMES_new());
  if (!general) return openssl::fail_with_reason(Error::Kind::internal, "unable to allocate names");
  for (const auto& name : names) {
    // An IP literal becomes an iPAddress entry (test look-alikes reached by
    // address); everything else must be a DNS name.
    if (unsigned char ip[16];
        inet_pton(AF_INET, name.c_str(), ip) == 1 || inet_pton(AF_INET6, name.c_str(), ip) == 1) {
      const int length = name.find(':') == std::string::npos ? 4 : 16;
      GENERAL_NAME* entry = GENERAL_NAME_new();
      ASN1_OCTET_STRING* octets = ASN1_OCTET_STRING_new();
      if (entry == nullptr || octets == nullptr || ASN1_OCTET_STRING_set(octets, ip, length) != 1) {
        GENERAL_NAME_free(entry);
        ASN1_OCTET_STRING_free(octets);
        return openssl::fail_with_reason(Error::Kind::internal, "unable to encode an IP address");
      }
      GENERAL_NAME_set0_value(entry, GEN_IPADD, octets);
      if (sk_GENERAL_NAME_push(general.get(), entry) == 0) {
        GENERAL_NAME_free(entry);
        return openssl::fail_with_reason(Error::Kind::internal, "unable to encode an IP address");
      }
      continue;
    }
    if (!valid_dns_name(name)) {
      return fail(Error::Kind::invalid_input, "not a valid DNS name: '" + name + "'");
    }
    GENERAL_NAME* entry = GENERAL_NAME_new();
    ASN1_IA5STRING* text = ASN1_IA5STRING_new();
    if (entry == nullptr || text == nullptr ||
        ASN1_STRING_set(text, name.data(), static_cast<int>(name.size())) != 1) {
      GENERAL_NAME_free(entry);
      ASN1_IA5STRING_free(text);
      return openssl::fail_with_reason(Error::Kind::internal, "unable to encode a DNS name");
    }
    GENERAL_NAME_set0_value(entry, GEN_DNS, text);
    if (sk_GENERAL_NAME_push(general.get(), entry) == 0) {
      GENERAL_NAME_free(entry);
      return openssl::fail_with_reason(Error::Kind::internal, "unable to encode a DNS name");
    }
  }
  return general;
}

// The longest Common Name X.509 allows (ub-common-name, RFC 5280 appendix A).
constexpr std::size_t kMaxCommonName = 64;

// The first name becomes the Common Name when it fits; a longer one (a DNS
// name may have 253 characters) leaves the subject empty, and the SAN, which
// carries every name anyway, must then be critical (RFC 5280 4.2.1.6).
// Returns whether the subject got a Common Name.
Result<bool> set_common_name(X509_NAME* subject, const std::string& name) {
  if (name.size() > kMaxCommonName) return false;
  if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1,
                                 0) != 1) {
    return openssl::fail_with_reason(Error::Kind::internal, "unable to set the common name");
  }
  return true;
}

std::string name_one_line(const X509_NAME* name) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  // OpenSSL's "oneline" style (what `openssl x509 -subject` prints), UTF-8
  // kept as is rather than escaped.
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

Result<std::chrono::sys_seconds> to_sys_seconds(const ASN1_TIME* time) {
  std::tm parts{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) {
    return fail(Error::Kind::invalid_input, "unable to read a certificate time");
  }
  return std::chrono::sys_seconds(std::chrono::seconds(timegm(&parts)));
}

Status add_extension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  Extension ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return openssl::fail_with_reason(Error::Kind::internal,
                                     std::string("unable to add extension ") + value);
  }
  return {};
}

}  // namespace

Result<std::string> self_signed_pem(EVP_PKEY* key, const std::vector<std::string>& names,
                                    std::chrono::seconds validity) {
  constexpr std::string_view kWhat = "unable to create a self-signed certificate";
  if (key == nullptr) return fail(Error::Kind::invalid_input, std::string(kWhat) + ": no key");
  auto general = dns_general_names(names);
  if (!general) return std::unexpected(wrap(general.error(), kWhat));

  crypto::Certificate cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return openssl::fail_with_reason(Error::Kind::internal, kWhat);
  }
  // A random positive 127-bit serial (RFC 5280 allows up to 20 octets).
  auto serial_bytes = crypto::random_bytes(16);
  if (!serial_bytes) return std::unexpected(wrap(serial_bytes.error(), kWhat));
  (*serial_bytes)[0] = static_cast<char>((*serial_bytes)[0] & 0x7f);
  Bignum serial(BN_bin2bn(reinterpret_cast<const unsigned char*>(serial_bytes->data()),
                          static_cast<int>(serial_bytes->size()), nullptr));
  if (!serial || BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return openssl::fail_with_reason(Error::Kind::internal, kWhat);
  }
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(validity.count())) ==
          nullptr) {
    return openssl::fail_with_reason(Error::Kind::internal, kWhat);
  }
  X509_NAME* subject = X509_get_subject_name(cert.get());
  auto has_cn = set_common_name(subject, names.front());
  if (!has_cn) return std::unexpected(wrap(has_cn.error(), kWhat));
  if (X509_set_issuer_name(cert.get(), subject) != 1 || X509_set_pubkey(cert.get(), key) != 1) {
    return openssl::fail_with_reason(Error::Kind::invalid_input, kWhat);
  }
  if (X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, general->get(), *has_cn ? 0 : 1,
                        X509V3_ADD_DEFAULT) != 1) {
    return openssl::fail_with_reason(Error::Kind::internal, kWhat);
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                            std::pair{NID_key_usage, "critical,digitalSignature"},
                            std::pair{NID_ext_key_usage, "serverAuth"},
                            std::pair{NID_subject_key_identifier, "hash"}}) {
    if (auto status = add_extension(cert.get(), &ctx, nid, value); !status) {
      return std::unexpected(wrap(status.error(), kWhat));
    }
  }
  if (X509_sign(cert.get(), key, EVP_sha256()) <= 0) {
    return openssl::fail_with_reason(Error::Kind::invalid_input, kWhat);
  }
  return to_pem(cert.get());
}

Result<std::string> csr_der(EVP_PKEY* key, const std::vector<std::string>& names) {
  constexpr std::string_view kWhat = "unable to create a CSR";
  if (key == nullptr) return fail(Error::Kind::invalid_input, std::string(kWhat) + ": no key");
  auto general = dns_general_names(names);
  if (!general) return std::unexpected(wrap(general.error(), kWhat));

  Request req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1 ||
      X509_REQ_set_pubkey(req.get(), key) != 1) {
    return openssl::fail_with_reason(Error::Kind::internal, kWhat);
  }
  auto has_cn = set_common_name(X509_REQ_get_subject_name(req.get()), names.front());
  if (!has_cn) return std::unexpected(wrap(has_cn.error(), kWhat));
  ExtensionStack extensions(sk_X509_EXTENSION_new_null());
  X509_EXTENSION* san = X509V3_EXT_i2d(NID_subject_alt_name, *has_cn ? 0 : 1, general->get());
  if (!extensions || san == nullptr || sk_X509_EXTENSION_push(extensions.get(), san) == 0) {
    X509_EXTENSION_free(san);
    return openssl::fail_with_reason(Error::Kind::internal, kWhat);
  }
  if (X509_REQ_add_extensions(req.get(), extensions.get()) != 1 ||
      X509_REQ_sign(req.get(), key, EVP_sha256()) <= 0) {
    return openssl::fail_with_reason(Error::Kind::internal, kWhat);
  }
  unsigned char* der = nullptr;
  const int length = i2d_X509_REQ(req.get(), &der);
  if (length <= 0) return openssl::fail_with_reason(Error::Kind::internal, kWhat);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

Result<std::vector<crypto::Certificate>> parse_chain_pem(std::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio)
    return openssl::fail_with_reason(Error::Kind::internal, "unable to parse a certificate chain");
  std::vector<crypto::Certificate> chain;
  ERR_clear_error();
  for (;;) {
    crypto::Certificate cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    chain.push_back(std::move(cert));
  }
  // Reading stops with "no start line" at the end of the input; any other
  // error means a certificate in the bundle is damaged.
  const unsigned long code = ERR_peek_last_error();
  const bool clean_end = code == 0 || (ERR_GET_LIB(code) == ERR_LIB_PEM &&
                                       ERR_GET_REASON(code) == PEM_R_NO_START_LINE);
  if (!clean_end)
    return openssl::fail_with_reason(Error::Kind::invalid_input,
                                     "unable to parse a certificate chain");
  ERR_clear_error();
  if (chain.empty()) {
    return fail(Error::Kind::invalid_input, "unable to parse a certificate chain: no certificate");
  }
  return chain;
}

Result<CertificateInfo> describe(X509* certificate) {
  constexpr std::string_view kWhat = "unable to describe a certificate";
  if (certificate == nullptr)
    return fail(Error::Kind::invalid_input, std::string(kWhat) + ": none");
  CertificateInfo info;
  auto not_before = to_sys_seconds(X509_get0_notBefore(certificate));
  auto not_after = to_sys_seconds(X509_get0_notAfter(certificate));
  if (!not_before) return std::unexpected(wrap(not_before.error(), kWhat));
  if (!not_after) return std::unexpected(wrap(not_after.error(), kWhat));
  info.not_before = *not_before;
  info.not_after = *not_after;
  info.subject = name_one_line(X509_get_subject_name(certificate));
  info.issuer = name_one_line(X509_get_issuer_name(certificate));

  GeneralNames general(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; general && i < sk_GENERAL_NAME_num(general.get()); ++i) {
    const GENERAL_NAME* entry = sk_GENERAL_NAME_value(general.get(), i);
    if (entry->type != GEN_DNS) continue;
    const ASN1_IA5STRING* text = entry->d.dNSName;
    info.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                                static_cast<std::size_t>(ASN1_STRING_length(text)));
  }

  EVP_PKEY* key = X509_get0_pubkey(certificate);
  if (key == nullptr) return openssl::fail_with_reason(Error::Kind::invalid_input, kWhat);
  auto spki = crypto::spki_sha256(key);
  if (!spki) return std::unexpected(wrap(spki.error(), kWhat));
  info.spki_sha256 = std::move(*spki);

  Bignum serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr));
  char* serial_text = serial ? BN_bn2hex(serial.get()) : nullptr;
  if (serial_text == nullptr) return openssl::fail_with_reason(Error::Kind::invalid_input, kWhat);
  info.serial_hex = serial_text;
  OPENSSL_free(serial_text);
  for (char& c : info.serial_hex)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  ERR_clear_error();
  return info;
}

Result<CertificateInfo> describe_leaf_pem(std::string_view chain_pem) {
  auto chain = parse_chain_pem(chain_pem);
  if (!chain) return std::unexpected(chain.error());
  return describe(chain->front().get());
}

Result<std::string> to_pem(X509* certificate) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || certificate == nullptr || PEM_write_bio_X509(bio.get(), certificate) != 1) {
    return openssl::fail_with_reason(Error::Kind::internal, "unable to write a certificate as PEM");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace common::x509
