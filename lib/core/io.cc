#include "core/io.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <utility>

#include <fmt/format.h>

#include "core/error.h"
#include "core/temp_cleanup.h"

namespace mtlscert::io {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Closes a descriptor on scope exit.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Key text passes through here (inspect, csr --key, emit-mc, probe --key): the read buffer
// on the stack, a string outgrown (reallocated) and a string dropped by an exception are
// wiped, so no copy of a key is left in freed memory. The caller wipes the returned string
// (SecretString) when it holds a key.
class ReadBuffer {
 public:
  explicit ReadBuffer(std::size_t expected) { out_.reserve(expected + 1); }  // one allocation for a regular file
  ReadBuffer(const ReadBuffer&) = delete;
  ReadBuffer& operator=(const ReadBuffer&) = delete;
  ~ReadBuffer() {
    OPENSSL_cleanse(chunk, sizeof chunk);
    if (!out_.empty()) OPENSSL_cleanse(out_.data(), out_.size());  // still here: not handed out
  }
  void append(std::size_t n) {
    if (out_.size() + n > out_.capacity()) {
      std::string bigger;
      bigger.reserve(std::max(out_.capacity() * 2, out_.size() + n));
      bigger.append(out_);
      if (!out_.empty()) OPENSSL_cleanse(out_.data(), out_.size());
      out_.swap(bigger);
    }
    out_.append(chunk, n);
  }
  std::size_t size() const noexcept { return out_.size(); }
  std::string_view view() const noexcept { return out_; }
  std::string take() { return std::exchange(out_, std::string()); }

  char chunk[65536];

 private:
  std::string out_;
};

// read_chunk: one read() into buf.chunk; 0 at end of file. Throws Error naming role and path.
std::size_t read_chunk(int fd, ReadBuffer& buf, const std::string& path, std::string_view role) {
  for (;;) {
    ssize_t n = ::read(fd, buf.chunk, sizeof buf.chunk);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EISDIR) {
      throw Error(fmt::format("{} '{}' is a directory, not a file", role, path), path, "pass the path of a file");
    }
    throw Error(fmt::format("cannot read {} '{}': {}", role, path, errno_text(errno)), path);
  }
}

std::string read_all(int fd, const std::string& path, std::string_view role, std::size_t max_bytes,
                     std::size_t expected = 0) {
  ReadBuffer buf(std::min(expected, max_bytes));
  while (std::size_t n = read_chunk(fd, buf, path, role)) {
    if (buf.size() + n > max_bytes) {
      throw Error(fmt::format("{} '{}' is larger than the {} MiB limit", role, path, max_bytes >> 20), path,
                  "check that this is the right file");
    }
    buf.append(n);
  }
  return buf.take();
}

// open_input: path opened for reading, after the checks every input gets (exists, readable,
// a regular file, not larger than max_bytes when limit_size). The caller closes it.
int open_input(const std::string& path, std::string_view role, std::size_t max_bytes, bool limit_size,
               std::size_t& size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    int err = errno;
    std::string hint;
    if (err == ENOENT) hint = "check the path";
    if (err == EACCES) hint = "run as a user that may read it (sendmail reads its TLS files as root)";
    throw Error(fmt::format("cannot open {} '{}': {}", role, path, errno_text(err)), path, hint);
  }
  Fd guard(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    throw Error(fmt::format("cannot stat {} '{}': {}", role, path, errno_text(errno)), path);
  }
  if (S_ISDIR(st.st_mode)) {
    throw Error(fmt::format("{} '{}' is a directory, not a file", role, path), path, "pass the path of a file");
  }
  if (!S_ISREG(st.st_mode)) {
    throw Error(fmt::format("{} '{}' is not a regular file", role, path), path, "pass the path of a file");
  }
  if (limit_size && static_cast<std::size_t>(st.st_size) > max_bytes) {
    throw Error(
        fmt::format("{} '{}' is {} bytes, larger than the {} MiB limit", role, path, st.st_size, max_bytes >> 20), path,
        "check that this is the right file");
  }
  size = static_cast<std::size_t>(st.st_size);
  // The descriptor was opened non-blocking only so that a FIFO could not hang open().
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  guard.fd = -1;
  return fd;
}

std::string base_name(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string random_suffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:012x}", rng() & 0xffffffffffffULL);
}

// The temporary name ".NAME.tmp-RANDOM", with NAME cut so that the whole fits NAME_MAX:
// a valid output name of up to 255 bytes must not fail because its temporary name is longer.
std::string temporary_name(const std::string& name, const std::string& suffix) {
  constexpr std::size_t kNameMax = 255;             // NAME_MAX on Linux file systems
  const std::size_t fixed = 1 + 5 + suffix.size();  // "." + ".tmp-" + suffix
  std::string_view stem(name);
  if (stem.size() + fixed > kNameMax) stem = stem.substr(0, kNameMax - fixed);
  return fmt::format(".{}.tmp-{}", stem, suffix);
}

// Writes everything, retrying short writes and EINTR.
int write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

// check_parent_links: a symbolic link among the directories leading to an output means the
// file lands somewhere else than the path says. Like sendmail (which follows links but checks
// the resolved path), the write goes ahead with a warning naming the real place, unless the link
// belongs to another non-root user: that user can repoint it at any time and make this
// program (often root) write a key or certificate where they choose, so it is refused.
void check_parent_links(const std::string& dir, const std::string& path, std::vector<std::string>& warnings) {
  std::string prefix = dir.front() == '/' ? "" : ".";
  std::size_t pos = 0;
  while (pos <= dir.size()) {
    std::size_t slash = dir.find('/', pos);
    if (slash == std::string::npos) slash = dir.size();
    const std::string part = dir.substr(pos, slash - pos);
    pos = slash + 1;
    if (part.empty() || part == ".") continue;
    prefix += "/" + part;
    struct stat st {};
    if (::lstat(prefix.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) continue;
    char target[4096];
    const ssize_t n = ::readlink(prefix.c_str(), target, sizeof target - 1);
    const std::string to = n > 0 ? std::string(target, static_cast<std::size_t>(n)) : std::string("?");
    const std::string shown = dir.front() == '/' ? prefix : prefix.substr(2);
    if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
      throw Error(fmt::format("refusing to write '{}': '{}' on its way is a symbolic link (to '{}') owned by "
                              "another user (uid {}), who can point it anywhere",
                              path, shown, to, st.st_uid),
                  path,
                  fmt::format("give a path without links of other users (the real directory: realpath {}), "
                              "or replace the link with a root-owned one",
                              shown));
    }
    // Worded without the file name: one warning for every file written below the link.
    warnings.push_back(
        fmt::format("'{}' is a symbolic link to '{}': files below it are written there; give the "
                    "real path to silence this warning",
                    shown, to));
  }
}

}  // namespace

std::string parent_dir(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string read_file(const std::string& path, std::string_view role, std::size_t max_bytes) {
  if (path == "-") return read_all(STDIN_FILENO, "<stdin>", role, max_bytes);
  std::size_t size = 0;
  Fd fd(open_input(path, role, max_bytes, true, size));
  return read_all(fd.fd, path, role, max_bytes, size);
}

std::string read_file_head(const std::string& path, std::string_view role, std::size_t max_bytes,
                           const std::function<bool(std::string_view)>& done) {
  std::size_t size = 0;
  const bool is_stdin = path == "-";
  Fd fd(is_stdin ? -1 : open_input(path, role, max_bytes, false, size));
  const int from = is_stdin ? STDIN_FILENO : fd.fd;
  const std::string& name = is_stdin ? std::string("<stdin>") : path;
  ReadBuffer buf(std::min(size, max_bytes + sizeof(ReadBuffer::chunk)));
  while (buf.size() <= max_bytes && !done(buf.view())) {
    std::size_t n = read_chunk(from, buf, name, role);
    if (n == 0) break;
    buf.append(n);
  }
  return buf.take();
}

std::vector<std::string> write_file_atomic(const std::string& path, std::string_view bytes,
                                           const WriteOptions& options) {
  std::vector<std::string> warnings;
  const std::string dir = parent_dir(path);
  const std::string name = base_name(path);
  if (name.empty() || name == "." || name == "..") {
    throw Error(fmt::format("{} path '{}' does not name a file", options.role, path), path,
                "give a file name, e.g. -o /etc/mail/tls/smtp.key");
  }

  check_parent_links(dir, path, warnings);
  int dirfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) {
    int err = errno;
    throw Error(fmt::format("cannot write {} '{}': directory '{}': {}", options.role, path, dir, errno_text(err)), path,
                err == ENOENT ? fmt::format("create the directory first: mkdir -p {}", dir) : "");
  }
  Fd dir_guard(dirfd);

  struct stat dst {};
  if (::fstat(dirfd, &dst) == 0 && (dst.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (dst.st_mode & S_ISVTX) == 0) {
    warnings.push_back(
        fmt::format("directory '{}' is {}-writable: others can replace files in it, and sendmail refuses TLS "
                    "files below such a directory; chmod go-w '{}'",
                    dir, (dst.st_mode & S_IWOTH) ? "world" : "group", dir));
  }

  if (dst.st_uid != 0 && dst.st_uid != ::geteuid()) {
    warnings.push_back(fmt::format(
        "directory '{}' belongs to another user (uid {}): that user can replace or remove the files in it at any "
        "time; chown root '{}', or write to a directory of your own",
        dir, dst.st_uid, dir));
  }

  struct stat existing {};
  if (::fstatat(dirfd, name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISDIR(existing.st_mode)) {
      throw Error(fmt::format("cannot write {} '{}': it is a directory", options.role, path), path,
                  "choose a file name inside it");
    }
    if (!options.overwrite) {
      std::string what = S_ISLNK(existing.st_mode) ? "a symbolic link" : "a file";
      throw Error(fmt::format("refusing to replace {} '{}': {} already exists there", options.role, path, what), path,
                  "use --force to replace it, or choose another path with -o");
    }
  }

  if (options.dry_run) {
    // The one check left that the write would make: may this process create a file here?
    if (::faccessat(dirfd, ".", W_OK | X_OK, AT_EACCESS) != 0) {
      int err = errno;
      throw Error(fmt::format("cannot create {} in '{}': {}", options.role, dir, errno_text(err)), path,
                  err == EACCES || err == EROFS ? "choose a writable directory with -o" : "");
    }
    return warnings;
  }

  // A file size limit (ulimit -f) must make write() fail with EFBIG, which is cleaned up
  // below, not kill the process with SIGXFSZ and leave a half-written temporary file.
  static const bool xfsz_ignored = [] {
    struct sigaction sa {};
    sa.sa_handler = SIG_IGN;
    ::sigemptyset(&sa.sa_mask);
    return ::sigaction(SIGXFSZ, &sa, nullptr) == 0;
  }();
  (void)xfsz_ignored;
  // The temporary file starts at 0600 and never gets wider than the final mode:
  // umask can only remove bits, and fchmod sets the final mode before any byte.
  // Recorded for the SIGINT/SIGTERM/SIGHUP handler, which removes it if the process is
  // interrupted before the rename; dropped from the record when this function returns.
  std::string tmp_name;
  detail::RecordedTemp recorded;
  int fd = -1;
  for (int attempt = 0; attempt < 16 && fd < 0; ++attempt) {
    tmp_name = temporary_name(name, random_suffix());
    fd = recorded.open(dirfd, tmp_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    int err = errno;
    throw Error(fmt::format("cannot create {} in '{}': {}", options.role, dir, errno_text(err)), path,
                err == EACCES || err == EROFS ? "choose a writable directory with -o" : "");
  }
  Fd file_guard(fd);
  auto fail = [&](int err, std::string_view doing) -> Error {
    ::unlinkat(dirfd, tmp_name.c_str(), 0);
    std::string hint;
    if (err == ENOSPC || err == EDQUOT) hint = fmt::format("free some space in '{}'; nothing was written", dir);
    if (err == EFBIG) hint = "the file size limit (ulimit -f) is too small; nothing was written";
    if (hint.empty()) hint = fmt::format("'{}' was left unchanged", path);
    return Error(fmt::format("cannot write {} '{}': {}: {}", options.role, path, doing, errno_text(err)), path, hint);
  };

  if (options.group && ::fchown(fd, static_cast<uid_t>(-1), *options.group) != 0) {
    throw fail(errno, "setting its group");
  }
  if (::fchmod(fd, options.mode) != 0) throw fail(errno, "setting its mode");
  if (int err = write_all(fd, bytes); err != 0) throw fail(err, "writing");
  if (::fsync(fd) != 0) throw fail(errno, "flushing to disk");

  if (options.overwrite) {
    if (::renameat(dirfd, tmp_name.c_str(), dirfd, name.c_str()) != 0) throw fail(errno, "renaming into place");
  } else {
    // linkat fails with EEXIST instead of replacing: no clobbering even if a file
    // appeared since the check above (two runs at once on the same target).
    if (::linkat(dirfd, tmp_name.c_str(), dirfd, name.c_str(), 0) != 0) {
      int err = errno;
      ::unlinkat(dirfd, tmp_name.c_str(), 0);
      if (err == EEXIST) {
        throw Error(fmt::format("refusing to replace {} '{}': it appeared while writing", options.role, path), path,
                    "another process wrote it; use --force to replace it");
      }
      throw Error(fmt::format("cannot write {} '{}': linking into place: {}", options.role, path, errno_text(err)),
                  path, fmt::format("'{}' was left unchanged", path));
    }
    ::unlinkat(dirfd, tmp_name.c_str(), 0);
  }
  ::fsync(dirfd);
  return warnings;
}

std::string absolute_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(std::filesystem::path(dir), ec);
  if (ec) throw Error(fmt::format("--dir {}: {}", dir, ec.message()), dir);
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

gid_t lookup_group(const std::string& name) {
  if (name.empty()) throw Error("--group: the group name is empty", {}, "give a group name such as smmsp");
  struct group grp {};
  struct group* result = nullptr;
  std::vector<char> buf(16384);
  if (name.find_first_not_of("0123456789") == std::string::npos) {
    // A number is a gid only when it fits gid_t and is not (gid_t)-1, which chown
    // reads as "leave the group alone"; std::stoul would wrap 4294967296 to gid 0.
    std::uint32_t gid = 0;
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), gid);
    if (ec != std::errc() || end != name.data() + name.size() || gid == static_cast<std::uint32_t>(-1)) {
      throw Error(fmt::format("--group: '{}' is not a group id (a gid is a number from 0 to 4294967294)", name), {},
                  "give a group name such as smmsp, or the gid of an existing group (getent group)");
    }
    int rc = ::getgrgid_r(static_cast<gid_t>(gid), &grp, buf.data(), buf.size(), &result);
    if (rc != 0 || result == nullptr) {
      throw Error(fmt::format("--group: no group with gid {} on this machine", gid), {},
                  "a key's group must exist, or sendmail's group check cannot match it; check with: getent group");
    }
    return grp.gr_gid;
  }
  int rc = ::getgrnam_r(name.c_str(), &grp, buf.data(), buf.size(), &result);
  if (rc != 0 || result == nullptr) {
    throw Error(fmt::format("--group: no group named '{}' on this machine", name), {},
                "on Debian the sendmail group is smmsp (installed with sendmail-bin); check with: getent group");
  }
  return grp.gr_gid;
}

std::string mode_string(mode_t mode) { return fmt::format("{:04o}", mode & 07777); }

}  // namespace mtlscert::io
