#include "common/http_client.hpp"
#include "common/unique_handle.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>

namespace common {
namespace {

// Debian's bundle; trusted alongside a caller's extra anchors.
constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

using Easy = UniqueHandle<CURL, curl_easy_cleanup>;
using Slist = UniqueHandle<curl_slist, curl_slist_free_all>;

// curl_global_init is not thread-safe itself; do it exactly once.
bool global_init() {
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return ok;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

struct Transfer {
  HttpResponse response;
  std::size_t max_bytes = 0;
  bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  if (transfer.response.body.size() + bytes > transfer.max_bytes) {
    transfer.too_large = true;
    return 0;  // makes curl abort with CURLE_WRITE_ERROR
  }
  transfer.response.body.append(data, bytes);
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  const std::string_view line(data, bytes);
  // A new status line (after "100 Continue", for example) starts a new set.
  if (line.starts_with("HTTP/")) {
    transfer.response.headers.clear();
    return bytes;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  transfer.response.headers.emplace_back(lower(trim(line.substr(0, colon))),
                                         std::string(trim(line.substr(colon + 1))));
  return bytes;
}

std::string read_system_bundle() {
  std::ifstream in(kSystemCaBundle, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The leaf as PEM from CURLOPT_CERTINFO's "Cert:" entry of certificate 0.
std::string leaf_pem(CURL* curl) {
  curl_certinfo* info = nullptr;
  if (curl_easy_getinfo(curl, CURLINFO_CERTINFO, &info) != CURLE_OK || info == nullptr ||
      info->num_of_certs < 1) {
    return {};
  }
  for (const curl_slist* entry = info->certinfo[0]; entry != nullptr; entry = entry->next) {
    const std::string_view text(entry->data);
    if (text.starts_with("Cert:")) return std::string(text.substr(5));
  }
  return {};
}

struct Blob {
  std::string bytes;
  curl_blob blob{};
};

// Sets every option; returns the first failure so that a libcurl built
// without a feature gives a clear error instead of silently ignoring it.
CURLcode configure(CURL* curl, const HttpRequest& request, Transfer& transfer, curl_slist* headers,
                   Blob& ca, char* error_buffer) {
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(curl, option, value);
  };
  set(CURLOPT_ERRORBUFFER, error_buffer);
  set(CURLOPT_URL, request.url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_NOSIGNAL, 1L);  // no SIGALRM in a multi-threaded daemon
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
  set(CURLOPT_WRITEFUNCTION, on_body);
  set(CURLOPT_WRITEDATA, &transfer);
  set(CURLOPT_HEADERFUNCTION, on_header);
  set(CURLOPT_HEADERDATA, &transfer);
  set(CURLOPT_HTTPHEADER, headers);
  set(CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  set(CURLOPT_SSL_VERIFYPEER, request.verify_tls ? 1L : 0L);
  set(CURLOPT_SSL_VERIFYHOST, request.verify_tls ? 2L : 0L);
  if (!request.ca_pem.empty()) {
    ca.bytes = request.only_ca_pem ? request.ca_pem : read_system_bundle() + "\n" + request.ca_pem;
    ca.blob = curl_blob{ca.bytes.data(), ca.bytes.size(), CURL_BLOB_NOCOPY};
    set(CURLOPT_CAINFO_BLOB, &ca.blob);
  }
  if (request.only_ca_pem) {
    // The compiled-in CA directory would otherwise still be consulted.
    set(CURLOPT_CAPATH, static_cast<const char*>(nullptr));
    set(CURLOPT_CAINFO, static_cast<const char*>(nullptr));
  }
  if (request.capture_peer_certificate) set(CURLOPT_CERTINFO, 1L);
  if (!request.unix_socket.empty()) set(CURLOPT_UNIX_SOCKET_PATH, request.unix_socket.c_str());

  const std::string method = request.method.empty() ? "GET" : request.method;
  if (method == "HEAD") {
    set(CURLOPT_NOBODY, 1L);
  } else if (method != "GET" || !request.body.empty()) {
    set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    set(CURLOPT_POSTFIELDS, request.body.c_str());
    if (method != "POST") set(CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  return rc;
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  const std::string wanted = lower(name);
  for (const auto& [key, value] : headers) {
    if (key == wanted) return value;
  }
  return std::nullopt;
}

std::vector<std::string> HttpResponse::headers_named(std::string_view name) const {
  const std::string wanted = lower(name);
  std::vector<std::string> values;
  for (const auto& [key, value] : headers) {
    if (key == wanted) values.push_back(value);
  }
  return values;
}

Result<HttpResponse> http_request(const HttpRequest& request) {
  const std::string where = "unable to " + request.method + " " + request.url;
  if (request.url.empty()) return fail(Error::Kind::invalid_input, where + ": no URL");
  for (const auto& [name, value] : request.headers) {
    // CR/LF in a header would let a caller's data inject more headers.
    if (name.find_first_of("\r\n:") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return fail(Error::Kind::invalid_input, where + ": bad header " + name);
    }
  }
  if (!global_init()) return fail(Error::Kind::internal, where + ": libcurl did not initialise");
  Easy curl(curl_easy_init());
  if (!curl) return fail(Error::Kind::internal, where + ": no curl handle");

  auto append = [](Slist& list, const std::string& line) {
    curl_slist* grown = curl_slist_append(list.get(), line.c_str());
    if (grown != nullptr) {
      static_cast<void>(list.release());
      list.reset(grown);
    }
  };
  Slist headers;
  for (const auto& [name, value] : request.headers) append(headers, name + ": " + value);
  append(headers, "Expect:");  // no 100-continue round trip for small bodies
  Slist connect_to;
  for (const auto& entry : request.connect_to) append(connect_to, entry);

  Transfer transfer;
  transfer.max_bytes = request.max_response_bytes;
  Blob ca;
  char error_buffer[CURL_ERROR_SIZE] = {};
  CURLcode configured = configure(curl.get(), request, transfer, headers.get(), ca, error_buffer);
  if (configured == CURLE_OK && connect_to) {
    configured = curl_easy_setopt(curl.get(), CURLOPT_CONNECT_TO, connect_to.get());
  }
  if (const CURLcode rc = configured; rc != CURLE_OK) {
    return fail(Error::Kind::internal, where + ": " + curl_easy_strerror(rc));
  }
  const CURLcode rc = curl_easy_perform(curl.get());
  if (transfer.too_large) {
    return fail(
        Error::Kind::invalid_input,
        where + ": response larger than " + std::to_string(request.max_response_bytes) + " bytes");
  }
  if (rc != CURLE_OK) {
    const std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
    return fail(Error::Kind::environment, where + ": " + detail);
  }
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &transfer.response.status);
  if (request.capture_peer_certificate)
    transfer.response.peer_certificate_pem = leaf_pem(curl.get());
  return std::move(transfer.response);
}

std::string url_encode(std::string_view text) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (const unsigned char c : text) {
    // RFC 3986 unreserved characters, spelled out: isalnum() follows the locale.
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0x0f]);
    }
  }
  return out;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out.push_back('&');
    out += url_encode(name) + "=" + url_encode(value);
  }
  return out;
}

}  // namespace common
