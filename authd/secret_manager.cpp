#include "authd/secret_manager.hpp"

#include <charconv>
#include <vector>

#include "common/crypto.hpp"
#include "common/http_client.hpp"
#include "common/json.hpp"
#include "authd/crc32c.hpp"

namespace authd {
namespace {

using common::Error;
using common::fail;

bool is_name_part(std::string_view part) {
  if (part.empty() || part.size() > 255) return false;
  for (char c : part) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == separator) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

// proto3 JSON writes int64 as a decimal string; accept a number as well.
common::Result<std::uint64_t> crc_field(const common::json& payload) {
  auto it = payload.find("dataCrc32c");
  if (it == payload.end()) return fail(Error::Kind::invalid_input, "no payload.dataCrc32c");
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it->is_string()) {
    const auto& text = it->get_ref<const std::string&>();
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc() && end == text.data() + text.size()) return value;
  }
  return fail(Error::Kind::invalid_input, "payload.dataCrc32c is not an integer");
}

}  // namespace

bool is_secret_version_name(const std::string& name) {
  auto parts = split(name, '/');
  return parts.size() == 6 && parts[0] == "projects" && parts[2] == "secrets" &&
         parts[4] == "versions" && is_name_part(parts[1]) && is_name_part(parts[3]) &&
         is_name_part(parts[5]);
}

common::Result<std::string> access_secret_version(const std::string& name, const std::string& token,
                                                  const SecretManagerOptions& options) {
  const std::string context = "unable to access secret " + name;
  if (!is_secret_version_name(name)) {
    return fail(Error::Kind::invalid_input,
                context + ": not of the form projects/P/secrets/S/versions/V");
  }
  common::HttpRequest request;
  request.url = options.base_url + "/v1/" + name + ":access";
  request.headers = {{"Authorization", "Bearer " + token}, {"Accept", "application/json"}};
  request.ca_pem = options.ca_pem;
  request.max_response_bytes = 256U << 10;
  auto response = common::http_request(request);
  if (!response) return std::unexpected(common::wrap(response.error(), context));
  if (response->status == 403 || response->status == 401) {
    return fail(Error::Kind::permission, context + ": HTTP " + std::to_string(response->status) +
                                             " (does the service account have "
                                             "roles/secretmanager.secretAccessor?)");
  }
  if (response->status == 404) return fail(Error::Kind::not_found, context + ": HTTP 404");
  if (response->status != 200) {
    return fail(response->status >= 500 ? Error::Kind::environment : Error::Kind::invalid_input,
                context + ": HTTP " + std::to_string(response->status));
  }
  auto body = common::parse_json(response->body);
  if (!body || !body->is_object()) return fail(Error::Kind::invalid_input, context + ": bad JSON");
  auto payload = body->find("payload");
  if (payload == body->end() || !payload->is_object()) {
    return fail(Error::Kind::invalid_input, context + ": no payload");
  }
  auto data_b64 = common::string_field(*payload, "data");
  if (!data_b64) return fail(Error::Kind::invalid_input, context + ": no payload.data");
  auto data = common::crypto::base64_decode(*data_b64);
  if (!data) return fail(Error::Kind::invalid_input, context + ": payload.data is not base64");
  auto expected_crc = crc_field(*payload);
  if (!expected_crc) return std::unexpected(common::wrap(expected_crc.error(), context));
  if (*expected_crc != crc32c(*data)) {
    return fail(Error::Kind::environment, context + ": payload CRC32C mismatch (corrupted)");
  }
  return *data;
}

}  // namespace authd
