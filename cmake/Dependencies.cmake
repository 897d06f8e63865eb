# Third-party libraries, all from Debian 12 packages (see nix/deps-debian.txt);
# the flake takes the nixpkgs equivalents (nix/toolchain.nix).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(CURL REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(Boost 1.74 REQUIRED)

# cpp-httplib: Debian 12 ships a compiled library with a pkg-config module
# (cpp-httplib 0.11, which defines CPPHTTPLIB_OPENSSL_SUPPORT and links
# -lcpp-httplib); nixpkgs ships a CMake package instead (httplib::httplib,
# 0.18, which carries CPPHTTPLIB_OPENSSL_SUPPORT itself) and no .pc file.
# Either way the components link PkgConfig::HTTPLIB, defined here as an
# alias of whichever was found. Code must keep to the API both versions share
# (no httplib::detail, no protected members).
pkg_check_modules(HTTPLIB QUIET IMPORTED_TARGET cpp-httplib)
if(NOT HTTPLIB_FOUND)
  find_package(httplib CONFIG)
  if(NOT TARGET httplib::httplib)
    message(FATAL_ERROR "cpp-httplib not found: neither the pkg-config module cpp-httplib "
                        "(Debian: libcpp-httplib-dev) nor the CMake package httplib (nixpkgs: httplib)")
  endif()
  add_library(PkgConfig::HTTPLIB INTERFACE IMPORTED)
  target_link_libraries(PkgConfig::HTTPLIB INTERFACE httplib::httplib)
  message(STATUS "cpp-httplib: CMake package httplib ${httplib_VERSION} (${httplib_DIR})")
else()
  message(STATUS "cpp-httplib: pkg-config module cpp-httplib ${HTTPLIB_VERSION}")
endif()

pkg_check_modules(TSS2 REQUIRED IMPORTED_TARGET tss2-esys tss2-mu tss2-rc tss2-tctildr)
if(APPLIANCE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
