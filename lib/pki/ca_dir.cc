#include "pki/ca_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.h"
#include "core/io.h"
#include "pki/key.h"
#include "pki/objects.h"

namespace mtlscert {

std::string ca_file_path(const std::string& dir, const char* name) {
  return dir.empty() || dir.back() == '/' ? dir + name : dir + "/" + name;
}

CaLock::CaLock(const std::string& dir) {
  const std::string path = ca_file_path(dir, "ca.lock");
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd_ < 0) {
    throw Error(fmt::format("cannot open the CA lock file '{}': {}", path, std::strerror(errno)), path,
                "run as the user that owns the CA directory (root for /etc/mail/ca)");
  }
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    ::close(fd_);
    throw Error(fmt::format("cannot lock the CA lock file '{}': {}", path, std::strerror(err)), path);
  }
}

CaLock::~CaLock() { ::close(fd_); }  // releases the flock

// Refused when others may read or replace the key, a warning when only the group may read it
// (a deliberate admin group, perhaps).
void check_ca_key_file(const std::string& key_path, std::vector<std::string>& warnings) {
  struct stat st {};
  if (::stat(key_path.c_str(), &st) != 0) return;  // the load that follows reports it
  const mode_t m = st.st_mode & 07777;
  if ((m & (S_IROTH | S_IWOTH | S_IWGRP)) != 0) {
    throw Error(fmt::format("CA key '{}' has mode {}: {} it, and whoever reads it can issue certificates your "
                            "peers trust; refusing to sign with it",
                            key_path, io::mode_string(m),
                            (m & S_IROTH) != 0 ? "every user of this machine can read" : "others can replace"),
                key_path,
                fmt::format("chmod 600 '{}'; if others may have read it, treat it as compromised: make a new CA "
                            "(mtlscert ca init) and reissue",
                            key_path));
  }
  if ((m & S_IRGRP) != 0) {
    warnings.push_back(
        fmt::format("CA key '{}' has mode {}: its group (gid {}) can read it and issue certificates; "
                    "chmod 600 '{}' unless that is deliberate",
                    key_path, io::mode_string(m), st.st_gid, key_path));
  }
}

LoadedCa load_ca(const std::string& dir, std::vector<std::string>& warnings) {
  if (dir.empty()) throw Error("--dir: the CA directory is empty", {}, "give the directory of `ca init`");
  LoadedCa ca;
  ca.cert_path = ca_file_path(dir, "ca.crt");
  ca.key_path = ca_file_path(dir, "ca.key");
  struct stat st {};
  if (::lstat(ca.cert_path.c_str(), &st) != 0 || ::lstat(ca.key_path.c_str(), &st) != 0) {
    throw Error(fmt::format("'{}' holds no CA (ca.crt and ca.key)", dir), dir,
                fmt::format("give the directory of `ca init` (mtlscert ca init --dir {} --name NAME)", dir));
  }
  check_ca_key_file(ca.key_path, warnings);
  PkiFile file = load_objects_file(ca.cert_path, "CA certificate");
  for (auto& o : file.objects) {
    if (o.kind == ObjectKind::Certificate && o.cert) {
      ca.cert = std::move(o.cert);
      break;
    }
  }
  if (!ca.cert) {
    throw Error(fmt::format("CA certificate '{}' holds no certificate", ca.cert_path), ca.cert_path,
                "restore ca.crt from your backup");
  }
  ca.key = load_private_key_file(ca.key_path);
  if (!same_public_key(ca.key.get(), X509_get0_pubkey(ca.cert.get()))) {
    throw Error(fmt::format("CA key '{}' does not belong to CA certificate '{}'", ca.key_path, ca.cert_path),
                ca.key_path, "restore the matching pair from your backup");
  }
  return ca;
}

}  // namespace mtlscert
