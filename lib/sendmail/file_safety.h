// file_safety.h: sendmail's safefile() rules for TLS files, predicted before sendmail runs.
//
// Sendmail opens every TLS file (certificates, key, CACertFile, DH parameters, CRL) with
// SFF_REGONLY | SFF_SAFEDIRPATH | SFF_NOGWFILES | SFF_NOWWFILES | SFF_MUSTOWN | SFF_ROOTOK,
// and the key additionally with SFF_NORFILES (or only "not world-readable" when
// DontBlameSendmail has GroupReadableKeyFile). A refused file makes it log
//   STARTTLS=server: file /etc/mail/tls/k.pem unsafe: Group readable file
// and not offer STARTTLS (shared/reference B.5, rules 11-13). Every condition and its
// text below was measured against Debian 12's sendmail 8.17.1.9.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_role.h"

namespace mtlscert {

/// SafetyPolicy: who sendmail checks as, and the DontBlameSendmail flags that relax the rules.
struct SafetyPolicy {
  uid_t run_as_uid = 0;  ///< RunAsUser (root unless configured)
  gid_t run_as_gid = 0;
  std::optional<uid_t> trusted_uid;           ///< TrustedUser (Debian: smmta), also accepted as owner
  bool group_readable_key_file = false;       ///< DontBlameSendmail=GroupReadableKeyFile
  bool trust_sticky_bit = false;              ///< DontBlameSendmail=TrustStickyBit (Debian sets it)
  bool group_writable_dir_path_safe = false;  ///< DontBlameSendmail=GroupWritableDirPathSafe
};

/// safety_policy_from_flags sets the three DontBlameSendmail switches from a flag list
/// (case-insensitive, as sendmail reads them).
SafetyPolicy safety_policy_from_flags(const std::vector<std::string>& dont_blame_sendmail);

/// The DontBlameSendmail flags Debian's DOMAIN(`debian-mta') sets on 8.17 (shared/reference B.5).
const std::vector<std::string>& debian_mta_dont_blame_flags();

/// SafetyRule: the safefile() rule a file breaks, in the order sendmail checks them.
enum class SafetyRule {
  FileMissing,
  DirWorldWritable,
  DirGroupWritable,
  FileNotRegular,
  FileGroupWritable,
  FileWorldWritable,
  KeyGroupReadable,
  KeyWorldReadable,
  FileOwner,
  FileUnreadable,  ///< the owner (root included) lacks the read bit: safefile() answers EACCES
};

/// safety_rule_code: the rule's stable finding code ("file-missing", "key-group-readable", …).
std::string_view safety_rule_code(SafetyRule rule);

/// SafetyIssue: why sendmail would refuse a file.
struct SafetyIssue {
  SafetyRule rule;      ///< the rule (safety_rule_code gives its finding code)
  std::string reason;   ///< sendmail's own text: "Group readable file", "Permission denied", …
  std::string detail;   ///< what we saw: "mode 0640, owner root, group smmsp" or the offending directory
  std::string subject;  ///< the file or directory at fault
};

/// check_tls_file returns the first rule sendmail would refuse path for, in sendmail's order
/// (directory path, existence, regular file, write bits, read bits of a key, owner), or
/// nothing when sendmail accepts it. Symbolic links are followed, and the directories on
/// both the given path and its resolved path are checked. Never throws.
std::optional<SafetyIssue> check_tls_file(const std::string& path, TlsFileRole role, const SafetyPolicy& policy);

/// sendmail_unsafe_line: the line sendmail logs for issue: "STARTTLS=<side>: file <path> unsafe: <reason>".
std::string sendmail_unsafe_line(std::string_view side, const std::string& path, const SafetyIssue& issue);

}  // namespace mtlscert
