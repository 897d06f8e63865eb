#include "init/service_access.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace init {
namespace {

using common::Error;

common::Status failed(const std::string& what, const std::string& path) {
  return common::fail(Error::Kind::environment,
                      "unable to " + what + " " + path + ": " + std::strerror(errno));
}

common::Status set_owner(const std::string& path, const std::optional<Credentials>& credentials,
                         mode_t mode) {
  if (credentials && chown(path.c_str(), credentials->uid, credentials->gid) < 0) {
    return failed("chown", path);
  }
  if (chmod(path.c_str(), mode) < 0) return failed("chmod", path);
  return {};
}

// Creates `path` afresh for root's write: O_EXCL|O_NOFOLLOW, so that a
// symlink (or any file) the service's user planted there is never followed
// or reused; a stale one is removed (unlink does not follow) and the create
// tried once more.
int create_exclusive(const std::string& path) {
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  int fd = open(path.c_str(), flags, 0400);
  if (fd < 0 && errno == EEXIST && unlink(path.c_str()) == 0) fd = open(path.c_str(), flags, 0400);
  return fd;
}

common::Status copy_bytes(int in, int out, const std::string& source,
                          const std::string& destination) {
  char buffer[65536];
  for (;;) {
    const auto n = read(in, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failed("read", source);
    if (n == 0) return {};
    if (write(out, buffer, static_cast<std::size_t>(n)) != n) return failed("write", destination);
  }
}

// Copies with read/write rather than std::filesystem::copy_file: sysfs and
// securityfs files report a size of 0 or 4096 that is not their content's.
// Ownership and mode are set on the descriptor (fchown/fchmod), never by a
// path the service's user could swap, and the file is renamed into place.
common::Status copy_file(const std::string& source, const std::string& destination,
                         const std::optional<Credentials>& credentials) {
  const int in = open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return failed("open", source);
  const std::string temporary = destination + ".tmp";
  const int out = create_exclusive(temporary);
  if (out < 0) {
    close(in);
    return failed("create", temporary);
  }
  common::Status status = copy_bytes(in, out, source, temporary);
  if (status && credentials && fchown(out, credentials->uid, credentials->gid) < 0) {
    status = failed("chown", temporary);
  }
  if (status && fchmod(out, 0400) < 0) status = failed("chmod", temporary);
  close(in);
  close(out);
  if (status && rename(temporary.c_str(), destination.c_str()) < 0) {
    status = failed("rename", temporary);
  }
  if (!status) unlink(temporary.c_str());
  return status;
}

}  // namespace

common::Status prepare_service_access(const ServiceSpec& spec,
                                      const std::optional<Credentials>& credentials,
                                      const std::string& runtime_dir) {
  for (const auto& name : spec.run_dirs) {
    const std::string path = runtime_dir + "/" + name;
    if (mkdir(path.c_str(), 0755) < 0 && errno != EEXIST) return failed("create", path);
    if (auto s = set_owner(path, credentials, 0755); !s) return s;
  }
  for (const auto& grant : spec.grants) {
    // The group gets the user's access: each service has a group of its own
    // unless its table entry names another one on purpose, which is how two
    // services share a device (attestd's TPM, which egressd also uses).
    if (auto s = set_owner(grant.path, credentials, grant.write ? 0660 : 0440); !s) return s;
  }
  for (const auto& copy : spec.copies) {
    std::error_code ignored;
    std::filesystem::create_directories(std::filesystem::path(copy.destination).parent_path(),
                                        ignored);
    if (auto s = copy_file(copy.source, copy.destination, credentials); !s) return s;
  }
  return {};
}

}  // namespace init
