#include "acmed/state_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/json.hpp"
#include "common/log.hpp"

namespace acmed {
namespace {

using common::Error;
namespace log = common::log;

constexpr const char* kAccount = "account.json";
constexpr const char* kCertificate = "certificate.json";
constexpr const char* kOrder = "order.json";

common::Status failed(const std::string& what, const std::string& path) {
  return common::fail(Error::Kind::environment,
                      "unable to " + what + " " + path + ": " + std::strerror(errno));
}

common::Status write_all(int fd, const std::string& text, const std::string& path) {
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return failed("write", path);
    done += static_cast<std::size_t>(n);
  }
  return {};
}

// temp file + fsync + rename + fsync of the directory: a reader sees the old
// record or the new one, never half of one.
common::Status write_atomically(const std::string& directory, const std::string& name,
                                const std::string& text) {
  if (mkdir(directory.c_str(), 0700) < 0 && errno != EEXIST) return failed("create", directory);
  const std::string path = directory + "/" + name;
  const std::string temporary = path + ".tmp";
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  int fd = ::open(temporary.c_str(), flags, 0600);
  if (fd < 0 && errno == EEXIST && ::unlink(temporary.c_str()) == 0) {
    fd = ::open(temporary.c_str(), flags, 0600);  // left by a crash mid-write
  }
  if (fd < 0) return failed("create", temporary);
  common::Status status = write_all(fd, text, temporary);
  if (status && ::fsync(fd) < 0) status = failed("fsync", temporary);
  ::close(fd);
  if (status && ::rename(temporary.c_str(), path.c_str()) < 0) status = failed("rename", temporary);
  if (!status) {
    ::unlink(temporary.c_str());
    return status;
  }
  const int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return {};
}

// The record's JSON object, or nullopt when it is absent or unreadable (the
// latter logged: acmed goes on as if it were absent).
std::optional<common::json> read_record(const std::string& directory, const std::string& name) {
  const std::string path = directory + "/" + name;
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::ostringstream text;
  text << file.rdbuf();
  auto parsed = common::json::parse(text.str(), nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    log::warning(log::Event{"state.unreadable"}, "unable to read saved state",
                 {{"reason", "not a JSON object"}, {"path", path}});
    return std::nullopt;
  }
  return parsed;
}

std::string text(const common::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> texts(const common::json& object, const char* key) {
  std::vector<std::string> values;
  auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return values;
  for (const auto& item : *it) {
    if (item.is_string()) values.push_back(item.get<std::string>());
  }
  return values;
}

}  // namespace

std::optional<SavedAccount> StateStore::account() const {
  auto record = read_record(directory_, kAccount);
  if (!record) return std::nullopt;
  SavedAccount account{text(*record, "directory_url"), text(*record, "url"),
                       text(*record, "key_pem")};
  if (account.url.empty() || account.key_pem.empty()) return std::nullopt;
  return account;
}

std::optional<SavedCertificate> StateStore::certificate() const {
  auto record = read_record(directory_, kCertificate);
  if (!record) return std::nullopt;
  SavedCertificate certificate{text(*record, "directory_url"), texts(*record, "names"),
                               text(*record, "chain_pem"), text(*record, "key_pem"),
                               text(*record, "account_url")};
  if (certificate.chain_pem.empty() || certificate.key_pem.empty()) return std::nullopt;
  return certificate;
}

std::optional<SavedOrder> StateStore::order() const {
  auto record = read_record(directory_, kOrder);
  if (!record) return std::nullopt;
  SavedOrder order{text(*record, "directory_url"), text(*record, "account_url"),
                   texts(*record, "names"), text(*record, "url"), text(*record, "key_pem")};
  if (order.url.empty() || order.key_pem.empty()) return std::nullopt;
  return order;
}

common::Status StateStore::save(const SavedAccount& account) const {
  const common::json record{
      {"directory_url", account.directory_url}, {"url", account.url}, {"key_pem", account.key_pem}};
  return write_atomically(directory_, kAccount, record.dump());
}

common::Status StateStore::save(const SavedCertificate& certificate) const {
  const common::json record{{"directory_url", certificate.directory_url},
                            {"names", certificate.names},
                            {"chain_pem", certificate.chain_pem},
                            {"key_pem", certificate.key_pem},
                            {"account_url", certificate.account_url}};
  return write_atomically(directory_, kCertificate, record.dump());
}

common::Status StateStore::save(const SavedOrder& order) const {
  const common::json record{{"directory_url", order.directory_url},
                            {"account_url", order.account_url},
                            {"names", order.names},
                            {"url", order.url},
                            {"key_pem", order.key_pem}};
  return write_atomically(directory_, kOrder, record.dump());
}

void StateStore::forget_account() const { ::unlink((directory_ + "/" + kAccount).c_str()); }

void StateStore::forget_order() const { ::unlink((directory_ + "/" + kOrder).c_str()); }

}  // namespace acmed
