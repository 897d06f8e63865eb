# Language level, warnings and reproducibility flags shared by every target.
set(CMAKE_CXX_STANDARD 23)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)
# RelWithDebInfo (-O2 -g) is the build type of the reproducible artefacts on
# both paths: this default for CMake, cmakeBuildType in nix/*.nix for Nix
# (whose CMake hook would otherwise build Release, -O3). The image strips the
# debug info. The code must also build warning-free as Release.
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "build type" FORCE)
endif()

# Warnings are errors in CI and development builds (the default); packagers
# building with another compiler version turn this off (the Nix derivations
# do), so that a new compiler's new warning does not stop their build.
option(APPLIANCE_WERROR "treat compiler warnings as errors" ON)
add_compile_options(-Wall -Wextra)
if(APPLIANCE_WERROR)
  add_compile_options(-Werror -Wno-error=deprecated-declarations)
endif()

# Reproducible binaries: strip the source and build directories from debug
# info, __FILE__ and assertion strings, so that two checkouts in different
# places give byte-identical output. Build IDs are content hashes (sha1).
add_compile_options(
  "-ffile-prefix-map=${CMAKE_SOURCE_DIR}=."
  "-ffile-prefix-map=${CMAKE_BINARY_DIR}=build"
  -Wdate-time)
add_link_options(-Wl,--build-id=sha1)

if(APPLIANCE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
# ThreadSanitizer (tests/tsan.sh): cannot be combined with AddressSanitizer.
if(APPLIANCE_TSAN)
  if(APPLIANCE_SANITIZE)
    message(FATAL_ERROR "APPLIANCE_TSAN and APPLIANCE_SANITIZE exclude each other")
  endif()
  # Asio's fenced blocks are std::atomic_thread_fence, which TSan does not
  # model (g++ refuses it under -Werror=tsan); the scheduler hands handlers
  # over under its mutex, which TSan sees, so the fences add nothing here.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_compile_definitions(BOOST_ASIO_DISABLE_FENCED_BLOCK)
  add_link_options(-fsanitize=thread)
endif()
