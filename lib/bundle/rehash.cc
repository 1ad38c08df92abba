// rehash.cc: subject-hash links in a CA directory, named as openssl rehash names them.
#include "bundle/rehash.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io.h"
#include "core/ossl_error.h"
#include "core/parallel.h"
#include "pki/objects.h"
#include "sendmail/options.h"

namespace mtlscert {
namespace {

enum Type { kCert = 0, kCrl = 1 };
using BucketKey = std::pair<int, unsigned long>;  // (type, hash)

// "1a2b3c4d.0" / "1a2b3c4d.r0" → key and id; false for any other name.
bool parse_link_name(const std::string& name, BucketKey& key, unsigned& id) {
  if (name.size() < 10 || name[8] != '.') return false;
  unsigned long hash = 0;
  for (int i = 0; i < 8; ++i) {
    char ch = name[static_cast<std::size_t>(i)];
    if (std::isxdigit(static_cast<unsigned char>(ch)) == 0) return false;
    hash = hash * 16 + static_cast<unsigned long>(std::isdigit(static_cast<unsigned char>(ch)) != 0
                                                      ? ch - '0'
                                                      : std::tolower(static_cast<unsigned char>(ch)) - 'a' + 10);
  }
  std::size_t pos = 9;
  int type = kCert;
  if (name[pos] == 'r' || name[pos] == 'R') {
    type = kCrl;
    ++pos;
  }
  if (pos >= name.size() || name.size() - pos > 5) return false;
  unsigned value = 0;
  for (; pos < name.size(); ++pos) {
    if (std::isdigit(static_cast<unsigned char>(name[pos])) == 0) return false;
    value = value * 10 + static_cast<unsigned>(name[pos] - '0');
  }
  key = {type, hash};
  id = value;
  return true;
}

Error unreadable_dir(const std::string& dir, int err) {
  return Error(
      fmt::format("CA directory '{}': {}", dir, std::strerror(err)), dir,
      fmt::format("give the {} directory (it must exist and be readable)", sendmail_macro(SendmailOption::CaCertPath)));
}

bool hashable_extension(const std::string& name) {
  auto dot = name.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = name.substr(dot + 1);
  for (auto& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return ext == "pem" || ext == "crt" || ext == "cer" || ext == "crl";
}

// Reads a file already known (by stat) to be a regular file of `size` bytes: open,
// one read, close (io::read_file's extra checks cost more than the parse here).
bool read_small(int dirfd, const std::string& name, std::size_t size, std::string& out) {
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return false;
  out.resize(size);
  std::size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, out.data() + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return true;
}

// What openssl rehash links: a PEM file holding exactly one certificate or CRL.
void hash_bytes(RehashEntry& c, std::string_view bytes) {
  c.candidate = true;
  PkiFile f = load_objects(bytes, c.name, {.x509 = false});
  std::size_t found = 0;
  const PkiObject* only = nullptr;
  for (const auto& o : f.objects) {
    if (o.kind == ObjectKind::Broken) {
      c.problem = fmt::format("{}: a {} block at line {} does not parse", c.name, o.label, o.line);
      return;
    }
    bool pem_cert = o.kind == ObjectKind::Certificate &&
                    (o.label == "CERTIFICATE" || o.label == "X509 CERTIFICATE" || o.label == "TRUSTED CERTIFICATE");
    if (pem_cert || o.kind == ObjectKind::Crl) {
      ++found;
      only = &o;
    }
  }
  if (f.format != FileFormat::Pem || found != 1) {
    c.problem = fmt::format("{}: it does not hold exactly one PEM certificate or CRL ({} found)", c.name, found);
    return;
  }
  int ok = 0;
  c.crl = only->kind == ObjectKind::Crl;
  if (!c.crl) {
    c.name_hash = only->view.subject_hash;  // X509_NAME_hash_ex, taken when the view was read
    c.digest = only->sha256;
    ok = 1;
  } else {
    c.name_hash = X509_NAME_hash_ex(X509_CRL_get_issuer(only->crl.get()), nullptr, nullptr, &ok);
    unsigned int len = 0;
    X509_CRL_digest(only->crl.get(), EVP_sha256(), c.digest.data(), &len);
  }
  if (ok != 1) c.problem = fmt::format("{}: OpenSSL could not hash its name", c.name);
  ossl::clear_errors();
}

BucketKey key_of(const RehashEntry& c) { return {c.crl ? kCrl : kCert, c.name_hash}; }

std::string link_name(const BucketKey& key, unsigned id) {
  return fmt::format("{:08x}.{}{}", key.second, key.first == kCrl ? "r" : "", id);
}

struct OwnLink {
  std::string name;
  std::string target;
  unsigned id = 0;
};

struct Bucket {
  std::vector<const RehashEntry*> files;  // needed links, file-name order
  std::vector<OwnLink> links;             // links we may have made
  std::set<unsigned> occupied;            // ids held by things we never touch
};

// The links of one bucket: keep the right ones, remove the stale ones, create the missing.
void plan_bucket(const BucketKey& key, Bucket& b, const std::set<std::string>& present,
                 const std::map<std::string, BucketKey>& needed_in, RehashPlan& plan) {
  // OpenSSL's directory lookup tries <hash>.0, .1, … and stops at the first missing
  // number, so the numbers of a bucket must stay contiguous: an existing link is kept
  // only below (needed links + foreign entries), as openssl rehash does.
  std::set<unsigned> used = b.occupied;
  std::size_t limit = b.files.size() + b.occupied.size();
  std::vector<const RehashEntry*> unlinked;
  std::set<std::string> linked, kept_names;
  std::sort(b.links.begin(), b.links.end(), [](const OwnLink& x, const OwnLink& y) { return x.id < y.id; });
  for (const RehashEntry* c : b.files) {
    auto it = std::find_if(b.links.begin(), b.links.end(), [&](const OwnLink& l) {
      return l.target == c->name && l.id < limit && used.count(l.id) == 0;
    });
    if (it != b.links.end()) {
      plan.links.push_back({it->name, it->target, RehashLink::Action::Keep, {}});
      kept_names.insert(it->name);
      used.insert(it->id);
      linked.insert(c->name);
    } else {
      unlinked.push_back(c);
    }
  }
  std::set<std::string> renumbered;
  for (const RehashEntry* c : unlinked) renumbered.insert(c->name);
  for (const auto& l : b.links) {
    if (kept_names.count(l.name) != 0) continue;
    std::string reason;
    if (present.count(l.target) == 0) {
      reason = "its target no longer exists";
    } else if (linked.count(l.target) != 0) {
      reason = "another link already points to its target";
    } else if (renumbered.count(l.target) != 0) {
      reason = "renumbered: OpenSSL stops at the first missing number";
    } else if (needed_in.count(l.target) == 0) {
      reason = "its target is not a single certificate or CRL";
    } else {
      reason = fmt::format("its target's name hash is now {:08x}", needed_in.at(l.target).second);
    }
    plan.links.push_back({l.name, l.target, RehashLink::Action::Remove, reason});
  }
  unsigned next = 0;
  for (const RehashEntry* c : unlinked) {
    while (used.count(next) != 0) ++next;
    plan.links.push_back({link_name(key, next), c->name, RehashLink::Action::Create, {}});
    used.insert(next);
  }
}

// Opens dir once (O_NOFOLLOW): every read, link and unlink below and in apply_rehash is
// relative to this descriptor, so a directory swapped for another (or for a symlink)
// between the plan and the links cannot make root touch the other one.
int open_ca_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) return fd;
  int err = errno;
  struct stat st {};
  if ((err == ELOOP || err == ENOTDIR) && ::lstat(dir.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      throw Error(fmt::format("CA directory '{}' is a symbolic link; bundle rehash works on the directory itself, "
                              "so that nobody can swap it while the links are made",
                              dir),
                  dir, fmt::format("give the real directory: mtlscert bundle rehash \"$(realpath '{}')\"", dir));
    }
    err = ENOTDIR;
  }
  throw unreadable_dir(dir, err);
}

// The directory's names, sorted.
std::vector<std::string> list_dir(int fd, const std::string& dir) {
  const int dup_fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);  // fdopendir takes over the one it is given
  DIR* d = dup_fd < 0 ? nullptr : ::fdopendir(dup_fd);
  if (d == nullptr) {
    int err = errno;
    if (dup_fd >= 0) ::close(dup_fd);
    throw unreadable_dir(dir, err);
  }
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

// One entry as lstat and readlink see it; a candidate's size is in size (hashed later).
RehashEntry read_entry(int fd, const std::string& name, std::size_t& size) {
  RehashEntry e;
  e.name = name;
  size = 0;
  struct stat st {};
  if (::fstatat(fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return e;
  if (S_ISLNK(st.st_mode)) {
    std::vector<char> buf(4096);
    ssize_t n = ::readlinkat(fd, name.c_str(), buf.data(), buf.size() - 1);
    if (n > 0) e.link_target.assign(buf.data(), static_cast<std::size_t>(n));
  }
  BucketKey key;
  unsigned id = 0;
  if (parse_link_name(name, key, id) || !hashable_extension(name)) return e;
  if (S_ISLNK(st.st_mode) && ::fstatat(fd, name.c_str(), &st, 0) != 0) return e;
  if (!S_ISREG(st.st_mode) || st.st_size > (16 << 20)) return e;
  e.candidate = true;
  size = static_cast<std::size_t>(st.st_size);
  return e;
}

}  // namespace

std::size_t RehashPlan::count(RehashLink::Action action) const {
  return static_cast<std::size_t>(
      std::count_if(links.begin(), links.end(), [&](const RehashLink& l) { return l.action == action; }));
}

RehashEntry rehash_candidate(std::string name, std::string_view bytes) {
  RehashEntry e;
  e.name = std::move(name);
  hash_bytes(e, bytes);
  return e;
}

RehashPlan plan_rehash_entries(std::string dir, std::vector<RehashEntry> entries) {
  RehashPlan plan;
  plan.dir = std::move(dir);
  std::sort(entries.begin(), entries.end(), [](const RehashEntry& x, const RehashEntry& y) { return x.name < y.name; });
  std::map<BucketKey, Bucket> buckets;
  std::set<std::string> present;
  for (const auto& e : entries) {
    present.insert(e.name);
    BucketKey key;
    unsigned id = 0;
    if (!parse_link_name(e.name, key, id)) continue;
    if (!e.link_target.empty() && e.link_target.find('/') == std::string::npos) {
      buckets[key].links.push_back({e.name, e.link_target, id});
    } else {
      buckets[key].occupied.insert(id);  // a file, or a link to elsewhere: not ours
    }
  }
  std::map<std::string, BucketKey> needed_in;  // file name -> the bucket that links it
  for (const auto& c : entries) {
    if (!c.candidate) continue;
    if (!c.problem.empty()) {
      plan.skipped.push_back(c.problem);
      continue;
    }
    Bucket& b = buckets[key_of(c)];
    auto same =
        std::find_if(b.files.begin(), b.files.end(), [&](const RehashEntry* o) { return o->digest == c.digest; });
    if (same != b.files.end()) {
      plan.skipped.push_back(
          fmt::format("{}: the same {} as {}", c.name, c.crl ? "CRL" : "certificate", (*same)->name));
      continue;
    }
    b.files.push_back(&c);
    needed_in[c.name] = key_of(c);
    (c.crl ? plan.crls : plan.certificates) += 1;
  }
  for (auto& [key, b] : buckets) plan_bucket(key, b, present, needed_in, plan);
  std::sort(plan.links.begin(), plan.links.end(),
            [](const RehashLink& x, const RehashLink& y) { return x.name < y.name; });
  return plan;
}

RehashPlan plan_rehash(const std::string& dir) {
  const int fd = open_ca_dir(dir);
  std::shared_ptr<const int> dir_fd(new int(fd), [](const int* p) {
    ::close(*p);
    delete p;
  });
  std::vector<RehashEntry> entries;
  std::vector<std::size_t> sizes;
  for (const auto& name : list_dir(fd, dir)) {
    std::size_t size = 0;
    entries.push_back(read_entry(fd, name, size));
    sizes.push_back(size);
  }
  detail::parallel_for(entries.size(), 64, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      RehashEntry& e = entries[i];
      if (!e.candidate) continue;
      std::string bytes;
      if (!read_small(fd, e.name, sizes[i], bytes)) {
        e.problem = fmt::format("{}: cannot read it: {}", e.name, std::strerror(errno));
        continue;
      }
      hash_bytes(e, bytes);
    }
    ossl::clear_errors();
  });
  RehashPlan plan = plan_rehash_entries(dir, std::move(entries));
  plan.dir_fd = std::move(dir_fd);
  return plan;
}

void apply_rehash(const RehashPlan& plan) {
  if (!plan.dir_fd) throw Error(fmt::format("CA directory '{}': no plan to apply", plan.dir), plan.dir);
  const int fd = *plan.dir_fd;  // the directory plan_rehash read; never plan.dir again
  for (const auto& l : plan.links) {
    if (l.action != RehashLink::Action::Remove) continue;
    std::string path = plan.dir + "/" + l.name;
    if (::unlinkat(fd, l.name.c_str(), 0) != 0 && errno != ENOENT) {
      throw Error(fmt::format("cannot remove stale link '{}': {}", path, std::strerror(errno)), path,
                  "check the directory's permissions (run as its owner)");
    }
  }
  for (const auto& l : plan.links) {
    if (l.action != RehashLink::Action::Create) continue;
    std::string path = plan.dir + "/" + l.name;
    if (::symlinkat(l.target.c_str(), fd, l.name.c_str()) != 0) {
      throw Error(fmt::format("cannot create link '{}' -> '{}': {}", path, l.target, std::strerror(errno)), path,
                  errno == EEXIST ? "something else created it meanwhile; run the command again"
                                  : "check the directory's permissions (run as its owner)");
    }
  }
}

std::string to_json(const RehashPlan& plan, bool dry_run) {
  using json = nlohmann::ordered_json;
  json links = json::array();
  for (const auto& l : plan.links) {
    const char* action = l.action == RehashLink::Action::Keep     ? "keep"
                         : l.action == RehashLink::Action::Create ? "create"
                                                                  : "remove";
    links.push_back(json{{"name", l.name},
                         {"target", l.target},
                         {"action", action},
                         {"reason", l.reason.empty() ? json(nullptr) : json(l.reason)}});
  }
  json doc{{"schema", "mtlscert.bundle-rehash/1"},
           {"dir", plan.dir},
           {"dry_run", dry_run},
           {"certificates", plan.certificates},
           {"crls", plan.crls},
           {"links", std::move(links)},
           {"skipped", plan.skipped}};
  return doc.dump(2);
}

}  // namespace mtlscert
