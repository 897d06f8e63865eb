// The PE parser on hostile input (truncated and malformed files must give
// errors, not crashes), and the PCR arithmetic on hand-checkable vectors.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "authenticode.hpp"
#include "pcr_predict.hpp"
#include "pe_file.hpp"

namespace {

using image_tools::Bytes;

// A minimal PE32+ header with one section, built by hand.
Bytes tiny_pe() {
  Bytes image(0x400, 0);
  image[0] = 'M';
  image[1] = 'Z';
  image[0x3c] = 0x40;
  image[0x40] = 'P';
  image[0x41] = 'E';
  const size_t coff = 0x44;
  image[coff + 2] = 1;      // one section
  image[coff + 16] = 0xf0;  // SizeOfOptionalHeader
  const size_t optional = coff + 20;
  image[optional] = 0x0b;  // PE32+ magic 0x20b
  image[optional + 1] = 0x02;
  image[optional + 60] = 0x00;  // SizeOfHeaders = 0x200
  image[optional + 61] = 0x02;
  image[optional + 108] = 16;  // NumberOfRvaAndSizes
  const size_t section = optional + 0xf0;
  std::string name = ".text";
  std::copy(name.begin(), name.end(), image.begin() + static_cast<long>(section));
  image[section + 8] = 0x10;   // VirtualSize 0x10
  image[section + 17] = 0x02;  // SizeOfRawData 0x200
  image[section + 21] = 0x02;  // PointerToRawData 0x200
  return image;
}

TEST(PeFile, ParsesSectionsAndHeaderOffsets) {
  auto pe = image_tools::parse_pe(tiny_pe());
  ASSERT_TRUE(pe) << pe.error();
  ASSERT_EQ(pe->sections.size(), 1u);
  EXPECT_EQ(pe->sections[0].name, ".text");
  EXPECT_EQ(pe->checksum_offset, 0x58u + 64);
  ASSERT_TRUE(pe->cert_dir_offset);
  EXPECT_EQ(*pe->cert_dir_offset, 0x58u + 112 + 32);
  auto contents = image_tools::section_contents(tiny_pe(), pe->sections[0]);
  ASSERT_TRUE(contents);
  EXPECT_EQ(contents->size(), 0x10u);  // VirtualSize, not the padded raw size
}

TEST(PeFile, EveryTruncationIsAnErrorNotACrash) {
  const Bytes full = tiny_pe();
  for (size_t length = 0; length < 0x200; ++length) {
    Bytes cut(full.begin(), full.begin() + static_cast<long>(length));
    EXPECT_FALSE(image_tools::parse_pe(cut)) << "length " << length;
    EXPECT_FALSE(image_tools::authenticode_sha256(cut)) << "length " << length;
  }
}

TEST(PeFile, RejectsNonPeInput) {
  EXPECT_FALSE(image_tools::parse_pe(Bytes(100, 0x41)));
  Bytes bad_magic = tiny_pe();
  bad_magic[0x58] = 0x07;
  EXPECT_FALSE(image_tools::parse_pe(bad_magic));
}

TEST(Authenticode, IgnoresChecksumAndCertificateDirectory) {
  Bytes a = tiny_pe();
  Bytes b = a;
  b[0x58 + 64] = 0x55;        // CheckSum
  b[0x58 + 112 + 32] = 0x77;  // certificate table address
  auto hash_a = image_tools::authenticode_sha256(a);
  auto hash_b = image_tools::authenticode_sha256(b);
  ASSERT_TRUE(hash_a && hash_b);
  EXPECT_EQ(*hash_a, *hash_b);
  b[0x300] = 1;  // section data does count
  EXPECT_NE(*hash_a, *image_tools::authenticode_sha256(b));
}

TEST(Pcr, ExtendFromZero) {
  // Checked with:
  //   (head -c 32 /dev/zero; printf '' | openssl dgst -sha256 -binary) | sha256sum
  auto empty = image_tools::Sha256::of({});
  EXPECT_EQ(image_tools::to_hex(image_tools::extend({}, empty)),
            "1c9ecec90e28d2461650418635878a5c91e49f47586ecf75f2b0cbb94e897112");
  EXPECT_EQ(image_tools::utf16le_with_nul("ab"), (Bytes{'a', 0, 'b', 0, 0, 0}));
}

TEST(Pcr, Pcr11MeasuresKnownSectionsInStubOrder) {
  const Bytes linux_bytes = {1, 2, 3};
  const Bytes cmdline = {'x'};
  // Given out of order and with an unmeasured section: the result is the same.
  auto shuffled = image_tools::predict_pcr11(
      {{".cmdline", cmdline}, {".sbat", linux_bytes}, {".linux", linux_bytes}});
  auto ordered = image_tools::predict_pcr11({{".linux", linux_bytes}, {".cmdline", cmdline}});
  EXPECT_EQ(shuffled.value, ordered.value);
  ASSERT_EQ(ordered.events.size(), 4u);
  EXPECT_EQ(ordered.events[0].description, "section name .linux");
  EXPECT_EQ(ordered.events[2].description, "section name .cmdline");
}

}  // namespace

namespace {

TEST(Pcr, StubVersionAndItsMeasuredSections) {
  EXPECT_EQ(image_tools::stub_major_version("#### LoaderInfo: systemd-stub 252.39-1~deb12u2 ####"),
            252);
  EXPECT_EQ(image_tools::stub_major_version("#### LoaderInfo: systemd-stub 256.8 ####"), 256);
  EXPECT_FALSE(image_tools::stub_major_version("#### LoaderInfo: systemd-boot 256 ####"));
  EXPECT_FALSE(image_tools::pcr11_sections_for_stub(257));
  auto v252 = image_tools::pcr11_sections_for_stub(252);
  auto v256 = image_tools::pcr11_sections_for_stub(256);
  ASSERT_TRUE(v252 && v256);
  EXPECT_EQ(std::find(v252->begin(), v252->end(), ".sbat"), v252->end());
  EXPECT_NE(std::find(v256->begin(), v256->end(), ".sbat"), v256->end());

  // systemd 256 measures .sbat after the four, whatever the given order.
  const Bytes linux_bytes = {1, 2, 3};
  const Bytes sbat = {'s'};
  auto with_sbat = image_tools::predict_pcr11({{".sbat", sbat}, {".linux", linux_bytes}}, *v256);
  ASSERT_EQ(with_sbat.events.size(), 4u);
  EXPECT_EQ(with_sbat.events[0].description, "section name .linux");
  EXPECT_EQ(with_sbat.events[2].description, "section name .sbat");
  auto without = image_tools::predict_pcr11({{".sbat", sbat}, {".linux", linux_bytes}}, *v252);
  EXPECT_EQ(without.events.size(), 2u);
}

}  // namespace
