# Language level, warnings and reproducibility flags shared by every target.
set(CMAKE_CXX_STANDARD 23)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "build type" FORCE)
endif()

add_compile_options(-Wall -Wextra -Werror -Wno-error=deprecated-declarations)

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
