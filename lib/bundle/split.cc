// split.cc: one big bundle into a short confCACERT and a hashed confCACERT_PATH.
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bundle/bundle.h"
#include "bundle/rehash.h"
#include "core/error.h"
#include "core/io.h"
#include "pki/pem_write.h"
#include "sendmail/options.h"

namespace mtlscert {
namespace {

// A file name from the subject's CN (else the whole subject), like Debian's
// /usr/share/ca-certificates names: "ISRG_Root_X1.pem".
std::string file_name_for(const BundleCert& c) {
  std::string base;
  ossl::Ptr<X509_NAME> subject = c.view->subject();
  const X509_NAME* name = subject.get();
  int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx >= 0) {
    const ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
    base.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(cn)),
                static_cast<std::size_t>(ASN1_STRING_length(cn)));
  } else {
    base = c.ref.subject;
  }
  std::string out;
  for (char ch : base) {
    bool plain =
        (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.';
    out.push_back(plain ? ch : '_');
  }
  while (!out.empty() && out.front() == '.') out.erase(out.begin());
  if (out.size() > 64) out.resize(64);
  if (out.empty()) out = fmt::format("ca-{}", c.ref.index);
  return out;
}

std::string absolute(const std::string& path) { return std::filesystem::absolute(path).lexically_normal().string(); }

// check_can_create_dir: a dry run's stand-in for create_directories: the nearest existing
// ancestor must be a directory this process may create entries in.
void check_can_create_dir(const std::string& dir) {
  std::filesystem::path p(dir);
  std::error_code ec;
  while (p.has_parent_path() && p != p.parent_path() && !std::filesystem::exists(p, ec)) p = p.parent_path();
  if (!std::filesystem::is_directory(p, ec) || ::access(p.c_str(), W_OK | X_OK) != 0) {
    throw Error(fmt::format("cannot create CA directory '{}': '{}' is not a writable directory", dir, p.string()), dir,
                "create it first, or choose another --out-cacert-path");
  }
}

}  // namespace

SplitResult split_bundle(const SplitRequest& req) {
  if (req.advertise.keep_issuers_of.empty() && req.advertise.keep.empty()) {
    throw Error(fmt::format("bundle split: say which CAs {} advertises", sendmail_macro(SendmailOption::CaCert)), {},
                "give --advertise CERT (your server certificate, or client certificates you accept) or --keep CA");
  }
  SplitResult r;
  r.path = req.path;
  r.cacert = absolute(req.cacert);
  r.cacert_path = absolute(req.cacert_path);
  split_define_lines(r);  // both are validated before anything is written: the lines must be usable
  struct stat st {};
  if (!req.overwrite && lstat(r.cacert.c_str(), &st) == 0) {
    throw Error(fmt::format("refusing to replace CA bundle '{}': a file already exists there", r.cacert), r.cacert,
                "use --force to replace it (atomically), or choose another --out-cacert");
  }

  BundleCheckOptions check;
  check.at = req.advertise.at;
  check.x509 = true;
  BundleReport report = check_bundle_file(req.path, check);
  if (report.no_certificate()) {
    throw Error(fmt::format("CA bundle '{}': expected certificates, found none", req.path), req.path);
  }
  Selection trusted = select_cas(report, SelectOptions{req.advertise.at, {}, {}});
  Selection advertised = select_cas(report, req.advertise);
  if (advertised.kept.empty()) throw Error("bundle split: no CA to advertise", req.path);
  r.before = report.list;
  r.after = measure_kept(report, advertised.kept);
  for (std::size_t k : advertised.kept) r.advertised.push_back(report.certs[k].ref);
  r.dropped = std::move(trusted.dropped);
  r.warnings = std::move(advertised.notes);

  // The directory: every clean CA (plus any advertised one kept on request), one file each.
  std::set<std::size_t> in_dir(trusted.kept.begin(), trusted.kept.end());
  in_dir.insert(advertised.kept.begin(), advertised.kept.end());
  std::error_code ec;
  const bool dir_existed = std::filesystem::is_directory(r.cacert_path, ec);
  if (req.dry_run && !dir_existed) {
    check_can_create_dir(r.cacert_path);
  } else {
    std::filesystem::create_directories(r.cacert_path, ec);
    if (ec || !std::filesystem::is_directory(r.cacert_path)) {
      throw Error(
          fmt::format("cannot create CA directory '{}': {}", r.cacert_path, ec ? ec.message() : "not a directory"),
          r.cacert_path, "create it first, or choose another --out-cacert-path");
    }
  }
  std::vector<std::pair<std::string, std::string>> files;  // path, PEM
  std::set<std::string> taken;
  for (std::size_t k : in_dir) {
    std::string base = file_name_for(report.certs[k]);
    std::string name = base + ".pem";
    for (int n = 2; !taken.insert(name).second; ++n) name = fmt::format("{}_{}.pem", base, n);
    files.emplace_back(r.cacert_path + "/" + name, certificate_pem(report.certs[k].x509));
  }
  // Pre-flight: never leave a half-written directory because of one existing file.
  std::vector<bool> unchanged(files.size(), false);
  std::size_t new_files = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (lstat(files[i].first.c_str(), &st) != 0) {
      ++new_files;
      continue;
    }
    std::string existing;
    try {
      existing = io::read_file(files[i].first, "CA file");
    } catch (const Error&) {
    }
    unchanged[i] = existing == files[i].second;
    if (!unchanged[i] && !req.overwrite) {
      throw Error(
          fmt::format("refusing to replace CA file '{}': a different file already exists there", files[i].first),
          files[i].first, "use --force to replace it, or an empty --out-cacert-path directory");
    }
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (unchanged[i]) continue;
    // In a directory a dry run would create, there is nothing to check file by file.
    if (!req.dry_run || dir_existed) {
      auto w = io::write_file_atomic(
          files[i].first, files[i].second,
          {.mode = 0644, .overwrite = req.overwrite, .group = {}, .role = "CA file", .dry_run = req.dry_run});
      r.warnings.insert(r.warnings.end(), w.begin(), w.end());
    }
    r.files_written.push_back(files[i].first);
  }
  r.trusted = files.size();
  if (req.dry_run) {
    // What the rehash would link: today's missing links, plus one per new CA file.
    if (dir_existed) r.links_created = plan_rehash(r.cacert_path).count(RehashLink::Action::Create);
    r.links_created += new_files;
  } else {
    RehashPlan plan = plan_rehash(r.cacert_path);
    apply_rehash(plan);
    r.links_created = plan.count(RehashLink::Action::Create);
  }

  auto w = io::write_file_atomic(
      r.cacert, pem_bundle(report, advertised.kept),
      {.mode = 0644, .overwrite = req.overwrite, .group = {}, .role = "CA bundle", .dry_run = req.dry_run});
  r.warnings.insert(r.warnings.end(), w.begin(), w.end());
  for (const auto& f :
       judge_ca_list_size(r.after, {}, fmt::format("the advertised {}", sendmail_macro(SendmailOption::CaCert)))) {
    if (f.level != Level::Notice) r.warnings.push_back(f.message);
  }
  return r;
}

std::vector<std::string> split_define_lines(const SplitResult& r) {
  return {sendmail_define(sendmail_macro(SendmailOption::CaCert), r.cacert),
          sendmail_define(sendmail_macro(SendmailOption::CaCertPath), r.cacert_path)};
}

std::string to_json(const SplitResult& r) {
  using json = nlohmann::ordered_json;
  json doc{{"schema", "mtlscert.bundle-split/1"},
           {"path", r.path},
           {"cacert", r.cacert},
           {"cacert_path", r.cacert_path},
           {"advertised", r.advertised},
           {"trusted_files", r.trusted},
           {"files_written", r.files_written},
           {"links_created", r.links_created},
           {"left_out", r.dropped},
           {"ca_list_bytes_whole_bundle", r.before.list_bytes},
           {"ca_list_bytes_cacert", r.after.list_bytes},
           {"define_lines", split_define_lines(r)},
           {"warnings", r.warnings}};
  return doc.dump(2);
}

}  // namespace mtlscert
