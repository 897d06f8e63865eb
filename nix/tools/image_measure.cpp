// image-measure: writes measurements.json for a built UKI and the artefacts
// around it: the SHA-256 of every artefact, the Authenticode hashes that the
// firmware logs into PCR 4 (as pcr_events."4", in load order), and the
// predicted PCR 9 and PCR 11 with their events. Everything is read back from the UKI itself, so the
// prediction covers exactly the bytes that boot; PCR 11 covers the sections
// the UKI's stub measures, by the version in its .sdmagic (`stub` in the
// output says which).
//
//   image-measure --uki=FILE [--artefact=NAME=FILE]... [--info=KEY=VALUE]...
//                 --output=FILE
//
// Exit codes: 0 done, 100 usage or bad input.

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "authenticode.hpp"
#include "pcr_predict.hpp"
#include "pe_file.hpp"
#include "tool_cli.hpp"

namespace {

using image_tools::Result;
using nlohmann::json;

int fail(const std::string& message) { return image_tools::fail("image-measure", message); }

// Streams the file: disk.raw is a sparse GiB that need not sit in memory.
Result<json> describe_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected("unable to read " + path);
  image_tools::Sha256 hash;
  std::vector<std::uint8_t> buffer(1 << 20);
  std::uint64_t size = 0;
  while (in) {
    in.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    hash.update(std::span(buffer).first(got));
    size += got;
  }
  if (in.bad()) return std::unexpected("unable to read " + path + ": I/O error");
  return json{{"sha256", image_tools::to_hex(hash.finish())}, {"size", size}};
}

json events_json(const image_tools::PcrPrediction& prediction) {
  json events = json::array();
  for (const auto& event : prediction.events) {
    events.push_back(
        {{"description", event.description}, {"sha256", image_tools::to_hex(event.digest)}});
  }
  return events;
}

// The stub's version and the sections it measures into PCR 11: the stub
// states its version in its .sdmagic section (kept in the UKI).
struct StubInfo {
  std::string loader_info;
  int version = 0;
  std::vector<std::string_view> measured;
};

Result<StubInfo> stub_of(const std::string& path, const std::vector<std::uint8_t>& image,
                         const image_tools::PeFile& pe) {
  const auto* sdmagic_header = pe.find(".sdmagic");
  if (sdmagic_header == nullptr) {
    return std::unexpected(path + " has no .sdmagic section: unable to tell the stub's version");
  }
  auto sdmagic_bytes = image_tools::section_contents(image, *sdmagic_header);
  if (!sdmagic_bytes) return std::unexpected(sdmagic_bytes.error());
  StubInfo stub;
  stub.loader_info.assign(sdmagic_bytes->begin(), sdmagic_bytes->end());
  stub.loader_info.resize(std::min(stub.loader_info.find('\0'), stub.loader_info.size()));
  auto version = image_tools::stub_major_version(stub.loader_info);
  if (!version) return std::unexpected(path + ": " + version.error());
  stub.version = *version;
  auto measured = image_tools::pcr11_sections_for_stub(*version);
  if (!measured) return std::unexpected(measured.error());
  stub.measured.assign(measured->begin(), measured->end());
  return stub;
}

struct UkiSections {
  std::vector<image_tools::UkiSection> sections;  // .linux .osrel .cmdline .initrd, then others
  json by_name = json::object();                  // name -> {sha256, size}
  json measured = json::array();                  // the measured ones present, in order
};

// The four sections the build puts in (in this order: image-measure reads
// the command line and the initrd by index), then whichever other measured
// sections the UKI has (the stub's own .sbat, for instance).
Result<UkiSections> sections_of(const std::string& path, const std::vector<std::uint8_t>& image,
                                const image_tools::PeFile& pe, const StubInfo& stub) {
  UkiSections out;
  auto add = [&](std::string_view name, const auto& header) -> Result<void> {
    auto contents = image_tools::section_contents(image, header);
    if (!contents) return std::unexpected(contents.error());
    out.sections.push_back({std::string(name), *contents});
    out.by_name[std::string(name)] = {
        {"sha256", image_tools::to_hex(image_tools::Sha256::of(*contents))},
        {"size", contents->size()}};
    return {};
  };
  for (const char* name : {".linux", ".osrel", ".cmdline", ".initrd"}) {
    const auto* header = pe.find(name);
    if (header == nullptr) return std::unexpected(path + " has no " + name + " section");
    if (auto added = add(name, *header); !added) return std::unexpected(added.error());
  }
  for (std::string_view name : stub.measured) {
    const auto* header = pe.find(name);
    if (header == nullptr) continue;
    out.measured.push_back(name);
    if (out.by_name.contains(name)) continue;
    if (auto added = add(name, *header); !added) return std::unexpected(added.error());
  }
  return out;
}

Result<json> measure_uki(const std::string& path) {
  auto image = image_tools::read_file(path);
  if (!image) return std::unexpected(image.error());
  auto pe = image_tools::parse_pe(*image);
  if (!pe) return std::unexpected("unable to parse " + path + ": " + pe.error());
  auto stub = stub_of(path, *image, *pe);
  if (!stub) return std::unexpected(stub.error());
  auto uki = sections_of(path, *image, *pe, *stub);
  if (!uki) return std::unexpected(uki.error());
  const auto& sections = uki->sections;
  const auto& cmdline_bytes = sections[2].contents;
  std::string cmdline(cmdline_bytes.begin(), cmdline_bytes.end());
  for (char c : cmdline) {
    if (c < 0x20 || c > 0x7e) {
      return std::unexpected(".cmdline must be printable ASCII without a trailing newline");
    }
  }

  auto uki_hash = image_tools::authenticode_sha256(*image);
  if (!uki_hash) return std::unexpected("unable to hash " + path + ": " + uki_hash.error());
  auto kernel_hash = image_tools::authenticode_sha256(sections[0].contents);
  if (!kernel_hash) return std::unexpected("unable to hash .linux: " + kernel_hash.error());

  auto pcr11 = image_tools::predict_pcr11(sections, stub->measured);
  auto pcr9 = image_tools::predict_pcr9(cmdline, sections[3].contents);
  // PCR 4 after the firmware's separator: the firmware measures each image
  // it starts as EV_EFI_BOOT_SERVICES_APPLICATION with its Authenticode
  // hash, first BOOTX64.EFI (this UKI), then the kernel systemd-stub starts.
  // Only the events are predictable: the rest of PCR 4 is the firmware's.
  const json boot_applications =
      json::array({{{"description", "EV_EFI_BOOT_SERVICES_APPLICATION: the UKI (BOOTX64.EFI)"},
                    {"sha256", image_tools::to_hex(*uki_hash)}},
                   {{"description", "EV_EFI_BOOT_SERVICES_APPLICATION: the kernel (.linux)"},
                    {"sha256", image_tools::to_hex(*kernel_hash)}}});
  return json{
      {"cmdline", cmdline},
      {"uki",
       {{"authenticode_sha256", image_tools::to_hex(*uki_hash)}, {"sections", uki->by_name}}},
      {"kernel", {{"authenticode_sha256", image_tools::to_hex(*kernel_hash)}}},
      // The stub version the PCR 11 prediction assumed, and the sections it
      // measured for it, in order.
      {"stub",
       {{"loader_info", stub->loader_info},
        {"version", stub->version},
        {"pcr11_sections", uki->measured}}},
      {"pcrs",
       {{"sha256",
         {{"9", image_tools::to_hex(pcr9.value)}, {"11", image_tools::to_hex(pcr11.value)}}}}},
      {"pcr_events",
       {{"4", boot_applications}, {"9", events_json(pcr9)}, {"11", events_json(pcr11)}}},
  };
}

}  // namespace

int main(int argc, char** argv) {
  auto flags = image_tools::parse_flags(argc, argv);
  if (!flags.malformed.empty() || !flags.single.contains("uki") ||
      !flags.single.contains("output")) {
    return fail(
        "usage: image-measure --uki=FILE [--artefact=NAME=FILE]... "
        "[--info=KEY=VALUE]... --output=FILE");
  }
  auto document = measure_uki(flags.single["uki"]);
  if (!document) return fail(document.error());
  (*document)["format"] = 1;
  json artefacts = json::object();
  json info = json::object();
  for (const auto& [name, value] : flags.all) {
    if (name != "artefact" && name != "info") continue;
    auto eq = value.find('=');
    if (eq == std::string::npos || eq == 0) return fail("--" + name + " needs KEY=VALUE");
    if (name == "info") {
      info[value.substr(0, eq)] = value.substr(eq + 1);
      continue;
    }
    auto described = describe_file(value.substr(eq + 1));
    if (!described) return fail(described.error());
    artefacts[value.substr(0, eq)] = *described;
  }
  (*document)["artefacts"] = artefacts;
  (*document)["build"] = info;

  std::ofstream out(flags.single["output"], std::ios::trunc);
  out << document->dump(2) << "\n";
  out.close();
  if (!out) return fail("unable to write " + flags.single["output"]);
  return 0;
}
