// rehash.h: `<subject-hash>.N` links in a CA directory (confCACERT_PATH), named exactly
// as `openssl rehash` names them so OpenSSL's hashed-directory lookup finds them.
//
// Like openssl rehash: files ending in .pem, .crt, .cer or .crl (any case) that hold
// exactly one PEM certificate or CRL are linked, in file-name order; the hash is
// X509_NAME_hash_ex of the subject (of the issuer for a CRL, with an "r": `<hash>.rN`);
// collisions take the next free N; an identical certificate is linked once.
// Unlike it: only links this tool could have made (a hash-named symlink to a bare file
// name in the directory) are ever removed, and only when stale; an existing correct
// link keeps its number, so running it twice changes nothing.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mtlscert {

struct RehashLink {
  enum class Action { Keep, Create, Remove };
  std::string name;    ///< "1a2b3c4d.0"
  std::string target;  ///< a file name in the directory
  Action action = Action::Keep;
  std::string reason;  ///< for Remove: "its target no longer exists", …
};

struct RehashPlan {
  std::string dir;  ///< as given: for messages only
  /// The directory as plan_rehash opened it (O_DIRECTORY|O_NOFOLLOW). apply_rehash makes
  /// and removes links through this descriptor (unlinkat, symlinkat), never through dir:
  /// if dir is replaced (by a symlink to another directory) in between, the links still
  /// go where the plan was made. Closed when the last copy of the plan goes.
  std::shared_ptr<const int> dir_fd;
  std::size_t certificates = 0;  ///< files hashed as certificates
  std::size_t crls = 0;
  std::vector<RehashLink> links;     ///< sorted by name
  std::vector<std::string> skipped;  ///< "x.pem: holds 3 certificates", …
  std::size_t count(RehashLink::Action action) const;
};

/// RehashEntry: one entry of a CA directory, as the plan sees it (no disk behind it).
struct RehashEntry {
  std::string name;                        ///< a file name in the directory
  std::string link_target;                 ///< a symbolic link's target, as written ("" for anything else)
  bool candidate = false;                  ///< a regular file (or a link to one) with a hashable extension
  bool crl = false;                        ///< candidate: it holds a CRL (else a certificate)
  unsigned long name_hash = 0;             ///< candidate: hash of the subject (of the issuer for a CRL)
  std::array<unsigned char, 32> digest{};  ///< candidate: SHA-256 of the object (identical ones link once)
  std::string problem;                     ///< candidate: why it cannot be linked (empty: it can)
};

/// rehash_candidate: the candidate entry for a file called name holding bytes, hashed as
/// openssl rehash hashes it (problem set when it is not exactly one PEM certificate or CRL).
RehashEntry rehash_candidate(std::string name, std::string_view bytes);

/// plan_rehash_entries decides every link from the directory's entries alone (in any
/// order): a pure function, the whole of rehash's policy. The plan has no dir_fd.
RehashPlan plan_rehash_entries(std::string dir, std::vector<RehashEntry> entries);

/// plan_rehash opens dir once, reads its entries and hashes its candidates, then plans
/// (plan_rehash_entries). Throws Error if dir is unreadable, not a directory, or a symbolic
/// link (give the real directory).
RehashPlan plan_rehash(const std::string& dir);

/// apply_rehash removes the stale links, then creates the new ones. Throws Error
/// naming the link on the first failure (links already made stay: rerun to finish).
void apply_rehash(const RehashPlan& plan);

/// to_json: schema "mtlscert.bundle-rehash/1".
std::string to_json(const RehashPlan& plan, bool dry_run);

}  // namespace mtlscert
