#include "sendmail/file_safety.h"

#include <sys/stat.h>

#include <strings.h>
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "core/io.h"
#include "sendmail/options.h"

namespace mtlscert {
namespace {

bool has_flag(const std::vector<std::string>& flags, const char* name) {
  for (const auto& f : flags) {
    if (strcasecmp(f.c_str(), name) == 0) return true;
  }
  return false;
}

// Directories from "/" down to the parent of path (lexically), e.g. /, /etc, /etc/mail.
std::vector<std::string> parent_dirs(const std::string& path) {
  std::vector<std::string> dirs{"/"};
  std::size_t pos = 1;
  for (;;) {
    auto slash = path.find('/', pos);
    if (slash == std::string::npos) break;
    if (slash > pos) dirs.push_back(path.substr(0, slash));
    pos = slash + 1;
  }
  return dirs;
}

std::string describe(const struct stat& st) {
  return fmt::format("mode {}, owner uid {}, group gid {}", io::mode_string(st.st_mode & 07777), st.st_uid, st.st_gid);
}

std::optional<SafetyIssue> check_dir(const std::string& dir, const SafetyPolicy& policy) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    return SafetyIssue{SafetyRule::FileMissing, std::strerror(errno), fmt::format("directory {}", dir), dir};
  }
  // A sticky directory is trusted whole with TrustStickyBit (measured: Debian's sendmail
  // accepts a file in a 1777 directory, although 1777 is also group-writable).
  if ((st.st_mode & S_ISVTX) != 0 && policy.trust_sticky_bit) return std::nullopt;
  if ((st.st_mode & S_IWOTH) != 0) {
    return SafetyIssue{SafetyRule::DirWorldWritable, "World writable directory",
                       fmt::format("directory {} is {}", dir, describe(st)), dir};
  }
  if ((st.st_mode & S_IWGRP) != 0 && !policy.group_writable_dir_path_safe) {
    return SafetyIssue{SafetyRule::DirGroupWritable, "Group writable directory",
                       fmt::format("directory {} is {}", dir, describe(st)), dir};
  }
  return std::nullopt;
}

}  // namespace

SafetyPolicy safety_policy_from_flags(const std::vector<std::string>& flags) {
  SafetyPolicy p;
  p.group_readable_key_file = has_flag(flags, "GroupReadableKeyFile");
  p.trust_sticky_bit = has_flag(flags, "TrustStickyBit");
  p.group_writable_dir_path_safe = has_flag(flags, "GroupWritableDirPathSafe");
  return p;
}

const std::vector<std::string>& debian_mta_dont_blame_flags() {
  static const std::vector<std::string> kFlags = {"AssumeSafeChown",
                                                  "ForwardFileInGroupWritableDirPath",
                                                  "GroupWritableForwardFileSafe",
                                                  "GroupWritableIncludeFileSafe",
                                                  "IncludeFileInGroupWritableDirPath",
                                                  "DontWarnForwardFileInUnsafeDirPath",
                                                  "TrustStickyBit",
                                                  "NonRootSafeAddr",
                                                  "GroupWritableIncludeFile",
                                                  "GroupReadableDefaultAuthInfoFile"};
  return kFlags;
}

std::string_view safety_rule_code(SafetyRule rule) {
  switch (rule) {
    case SafetyRule::FileMissing: return "file-missing";
    case SafetyRule::DirWorldWritable: return "dir-world-writable";
    case SafetyRule::DirGroupWritable: return "dir-group-writable";
    case SafetyRule::FileNotRegular: return "file-not-regular";
    case SafetyRule::FileGroupWritable: return "file-group-writable";
    case SafetyRule::FileWorldWritable: return "file-world-writable";
    case SafetyRule::KeyGroupReadable: return "key-group-readable";
    case SafetyRule::KeyWorldReadable: return "key-world-readable";
    case SafetyRule::FileOwner: return "file-owner";
    case SafetyRule::FileUnreadable: return "file-unreadable";
  }
  return "file-unsafe";
}

std::optional<SafetyIssue> check_tls_file(const std::string& path, TlsFileRole role, const SafetyPolicy& policy) {
  // 1. Every directory on the way, as written and as resolved (sendmail follows links).
  std::vector<std::string> dirs = parent_dirs(path);
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) != nullptr) {
    for (auto& d : parent_dirs(resolved)) {
      if (std::find(dirs.begin(), dirs.end(), d) == dirs.end()) dirs.push_back(d);
    }
  }
  for (const auto& d : dirs) {
    if (auto issue = check_dir(d, policy)) return issue;
  }
  // 2. The file itself, after symbolic links.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    return SafetyIssue{SafetyRule::FileMissing, std::strerror(err),
                       "the file does not exist (or a link points nowhere)", path};
  }
  if (!S_ISREG(st.st_mode)) {
    return SafetyIssue{SafetyRule::FileNotRegular, "Regular files only",
                       S_ISDIR(st.st_mode) ? "it is a directory" : "it is not a regular file", path};
  }
  if ((st.st_mode & S_IWGRP) != 0)
    return SafetyIssue{SafetyRule::FileGroupWritable, "Group writable file", describe(st), path};
  if ((st.st_mode & S_IWOTH) != 0)
    return SafetyIssue{SafetyRule::FileWorldWritable, "World writable file", describe(st), path};
  if (role == TlsFileRole::Key) {
    if ((st.st_mode & S_IRGRP) != 0 && !policy.group_readable_key_file) {
      return SafetyIssue{SafetyRule::KeyGroupReadable, "Group readable file", describe(st), path};
    }
    if ((st.st_mode & S_IROTH) != 0)
      return SafetyIssue{SafetyRule::KeyWorldReadable, "World readable file", describe(st), path};
  }
  bool owner_ok =
      st.st_uid == 0 || st.st_uid == policy.run_as_uid || (policy.trusted_uid && st.st_uid == *policy.trusted_uid);
  if (!owner_ok) {
    return SafetyIssue{SafetyRule::FileOwner, "Permission denied",
                       fmt::format("{}; sendmail wants the owner to be root, {} (uid {}) or {}", describe(st),
                                   sendmail_cf_name(SendmailOption::RunAsUser), policy.run_as_uid,
                                   sendmail_cf_name(SendmailOption::TrustedUser)),
                       path};
  }
  if (st.st_uid == policy.run_as_uid && (st.st_mode & S_IRUSR) == 0) {
    // safefile() grants access by the owner bits when the checking uid owns the file, root
    // included: a root-owned 0000 or 0200 file is EACCES although root could open it.
    return SafetyIssue{
        SafetyRule::FileUnreadable, "Permission denied",
        fmt::format("{}; its owner (uid {}, the user sendmail checks as) has no read bit", describe(st), st.st_uid),
        path};
  }
  if (policy.run_as_uid != 0) {
    bool readable = (st.st_uid == policy.run_as_uid && (st.st_mode & S_IRUSR) != 0) ||
                    (st.st_gid == policy.run_as_gid && (st.st_mode & S_IRGRP) != 0) || (st.st_mode & S_IROTH) != 0;
    if (!readable) {
      return SafetyIssue{SafetyRule::FileOwner, "Permission denied",
                         fmt::format("{}; {} (uid {}) cannot read it", describe(st),
                                     sendmail_cf_name(SendmailOption::RunAsUser), policy.run_as_uid),
                         path};
    }
  }
  return std::nullopt;
}

std::string sendmail_unsafe_line(std::string_view side, const std::string& path, const SafetyIssue& issue) {
  return fmt::format("STARTTLS={}: file {} unsafe: {}", side, path, issue.reason);
}

}  // namespace mtlscert
