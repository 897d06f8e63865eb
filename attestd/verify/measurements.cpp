#include "attestd/verify/measurements.hpp"

#include "common/crypto.hpp"
#include "attestd/verify/evidence.hpp"

namespace attest {
namespace {

using common::Error;
using common::fail;
using common::json;

constexpr unsigned kPredictedValues[] = {9, 11};
constexpr unsigned kPredictedEvents[] = {4, 9, 11};

common::Status refuse(const std::string& what) {
  return fail(Error::Kind::invalid_input, "unable to read measurements: " + what);
}

common::Result<std::vector<std::string>> event_digests(const json& events, unsigned pcr) {
  const std::string name = "pcr_events." + std::to_string(pcr);
  if (!events.is_array() || events.empty()) {
    return std::unexpected(refuse(name + " is missing or empty").error());
  }
  std::vector<std::string> out;
  for (const auto& event : events) {
    auto hex = common::string_field(event, "sha256");
    auto raw = hex ? common::crypto::unhex(*hex) : std::unexpected(hex.error());
    if (!raw || raw->size() != 32) {
      return std::unexpected(refuse(name + " has an event without a SHA-256 digest").error());
    }
    out.push_back(std::move(*raw));
  }
  return out;
}

}  // namespace

common::Result<BuildMeasurements> parse_measurements(const json& document) {
  if (!document.is_object()) return std::unexpected(refuse("not a JSON object").error());
  const json pcrs = document.contains("pcrs") && document["pcrs"].is_object()
                        ? document["pcrs"].value("sha256", json())
                        : json();
  auto values = parse_pcr_values(pcrs);
  if (!values)
    return std::unexpected(
        common::wrap(values.error(), "unable to read measurements: pcrs.sha256"));
  BuildMeasurements out;
  for (unsigned pcr : kPredictedValues) {
    if (!values->contains(pcr)) {
      return std::unexpected(refuse("pcrs.sha256 has no PCR " + std::to_string(pcr)).error());
    }
    out.pcrs[pcr] = values->at(pcr);
  }
  const json events = document.value("pcr_events", json::object());
  if (!events.is_object()) return std::unexpected(refuse("pcr_events is not an object").error());
  for (unsigned pcr : kPredictedEvents) {
    auto digests = event_digests(events.value(std::to_string(pcr), json()), pcr);
    if (!digests) return std::unexpected(digests.error());
    out.events[pcr] = std::move(*digests);
  }
  return out;
}

}  // namespace attest
