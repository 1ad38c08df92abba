// preflight.cc: Exim's rules (measured against Debian 12's exim4 4.96 with GnuTLS).
#include "exim/preflight.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <filesystem>

#include <fmt/format.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "bundle/ca_file.h"
#include "core/error.h"
#include "core/io.h"
#include "core/ossl.h"
#include "core/ossl_error.h"
#include "core/text.h"
#include "pki/crl_check.h"
#include "pki/key.h"

namespace mtlscert {
namespace {

using enum EximOption;

bool may(const struct stat& st, const EximIdentity& id, mode_t usr, mode_t grp, mode_t oth) {
  if (id.uid == 0) return true;
  if (st.st_uid == id.uid) return (st.st_mode & usr) != 0;
  const bool member =
      st.st_gid == id.gid || std::find(id.groups.begin(), id.groups.end(), st.st_gid) != id.groups.end();
  if (member) return (st.st_mode & grp) != 0;
  return (st.st_mode & oth) != 0;
}

// Why id cannot read path (a directory on the way it cannot enter, or the file's bits), or nothing.
std::optional<std::string> unreadable_reason(const std::string& path, const EximIdentity& id) {
  namespace fs = std::filesystem;
  fs::path p = fs::absolute(path);
  std::vector<fs::path> dirs;
  for (fs::path d = p.parent_path(); !d.empty(); d = d.parent_path()) {
    dirs.push_back(d);
    if (d == d.root_path()) break;
  }
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
    struct stat st {};
    if (::stat(it->c_str(), &st) != 0) continue;
    if (!may(st, id, S_IXUSR, S_IXGRP, S_IXOTH)) {
      return fmt::format("{} cannot enter directory {} (mode {:04o})", id.user, it->string(), st.st_mode & 07777);
    }
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  if (!may(st, id, S_IRUSR, S_IRGRP, S_IROTH)) {
    const struct group* g = ::getgrgid(st.st_gid);
    const struct passwd* u = ::getpwuid(st.st_uid);
    return fmt::format("{} cannot read it (mode {:04o}, owner {}, group {})", id.user, st.st_mode & 07777,
                       u ? u->pw_name : std::to_string(st.st_uid), g ? g->gr_name : std::to_string(st.st_gid));
  }
  return std::nullopt;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

class Checker {
 public:
  Checker(const EximTls& tls, const EximPreflightContext& ctx) : tls_(tls), ctx_(ctx) {}
  std::vector<Finding> run();

 private:
  void add(Level level, std::string code, std::string message, std::string hint, std::string path,
           std::string log = {}) {
    out_.push_back(Finding{.level = level,
                           .code = std::move(code),
                           .message = std::move(message),
                           .hint = std::move(hint),
                           .path = std::move(path),
                           .cert = {},
                           .sendmail_log = std::move(log),
                           .logged_by = "exim"});
  }
  std::string setup_log() const {
    return fmt::format(fmt::runtime(exim_option(Certificate).log_when_unusable), fmt::arg("peer", "..."),
                       fmt::arg("cert", tls_.certificate), fmt::arg("key", key_path()));
  }
  const std::string& key_path() const { return tls_.privatekey.empty() ? tls_.certificate : tls_.privatekey; }
  bool expanded(EximOption id, const std::string& value);
  bool usable_file(EximOption id, const std::string& path, const std::string& log);
  void check_key_bits(const std::string& path);
  void check_pair();
  void check_client_side();
  void check_crl();

  const EximTls& tls_;
  const EximPreflightContext& ctx_;
  std::optional<EximIdentity> id_;
  std::vector<Finding> out_;
};

bool Checker::expanded(EximOption id, const std::string& value) {
  if (value.find('$') == std::string::npos) return false;
  add(Level::Notice, "option-expanded",
      fmt::format("{} = {} is expanded per connection: its file is not checked", exim_name(id), value),
      "check the file it expands to with `mtlscert doctor` on a configuration naming it", "");
  return true;
}

// The file exists and exim_user can read it; else one error finding carrying Exim's log line.
bool Checker::usable_file(EximOption id, const std::string& path, const std::string& log) {
  const MtaOption& o = exim_option(id);
  if (!exists(path)) {
    add(Level::Error, "file-missing", fmt::format("{} {} ({}) does not exist", o.noun, path, o.name),
        fmt::format("create it (mtlscert init --mta exim) or correct {}", o.name), path, log);
    return false;
  }
  if (!id_) return true;
  if (auto why = unreadable_reason(path, *id_)) {
    const bool key = o.safety == TlsFileRole::Key;
    add(Level::Error, key ? "key-unreadable-by-exim" : "file-unreadable",
        fmt::format("{} {}: {}; Exim reads it after dropping root, so every STARTTLS handshake fails", o.noun, path,
                    *why),
        key ? fmt::format("chown root:{} {} && chmod 0640 {} (mtlscert init --group {})", id_->user, path, path,
                          id_->user)
            : fmt::format("make it readable by {} (chmod 0644 {} for a certificate)", id_->user, path),
        path, log);
    return false;
  }
  return true;
}

// A key readable by others than root and exim_user's group is a leaked secret.
void Checker::check_key_bits(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;
  const auto mode = st.st_mode & 07777;
  if ((mode & S_IROTH) != 0) {
    add(Level::Error, "key-world-readable", fmt::format("server key {} is world-readable (mode {:04o})", path, mode),
        fmt::format("chown root:{} {} && chmod 0640 {}", id_ ? id_->user : "Debian-exim", path, path), path);
  } else if ((mode & S_IRGRP) != 0 && id_ && st.st_gid != id_->gid && id_->uid != 0) {
    const struct group* g = ::getgrgid(st.st_gid);
    add(Level::Error, "key-group-readable",
        fmt::format("server key {} is readable by group {} (mode {:04o}), not only by {}", path,
                    g ? g->gr_name : std::to_string(st.st_gid), mode, id_->user),
        fmt::format("chown root:{} {} && chmod 0640 {}", id_->user, path, path), path);
  }
}

void Checker::check_pair() {
  const std::string& cert_path = tls_.certificate;
  const std::string& key = key_path();
  ossl::Ptr<X509> cert;
  try {
    const std::string bytes = io::read_file(cert_path, "server certificate");
    ossl::Ptr<BIO> bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    cert.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    ossl::clear_errors();
  } catch (const Error&) {
  }
  if (!cert) {
    add(Level::Error, "cert-unreadable", fmt::format("server certificate {}: no PEM certificate in it", cert_path),
        "put the server certificate (then its intermediates) in it, PEM", cert_path, setup_log());
    return;
  }
  ossl::Ptr<EVP_PKEY> pkey;
  try {
    pkey = load_private_key_file(key);
  } catch (const Error& e) {
    add(Level::Error, "key-unreadable", fmt::format("server key {}: {}", key, e.what()), e.hint(), key, setup_log());
    return;
  }
  EVP_PKEY* pub = X509_get0_pubkey(cert.get());
  if (pub == nullptr || !same_public_key(pub, pkey.get())) {
    const std::string log = fmt::format(
        "TLS error on connection from ... (cert/key setup: cert={} key={}): The certificate and the given "
        "key do not match.",
        cert_path, key);
    add(Level::Error, "key-mismatch", fmt::format("server key {} does not match certificate {}", key, cert_path),
        "give the key the certificate was issued for, or issue a certificate for this key", key, log);
    ossl::clear_errors();
    return;
  }
  std::time_t now = ctx_.now;
  if (now != 0 && X509_cmp_time(X509_get0_notAfter(cert.get()), &now) < 0) {
    add(Level::Error, "cert-expired", fmt::format("server certificate {} has expired", cert_path),
        "renew it (mtlscert ca sign, or your CA)", cert_path);
  }
  if (!ctx_.host.empty() && X509_check_host(cert.get(), ctx_.host.data(), ctx_.host.size(),
                                            X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr) != 1) {
    add(Level::Error, "host-mismatch", fmt::format("server certificate {} does not name {}", cert_path, ctx_.host),
        fmt::format("issue a certificate with subjectAltName DNS:{}", ctx_.host), cert_path);
  }
  ossl::clear_errors();
}

void Checker::check_client_side() {
  const bool asks = !trim(tls_.try_verify_hosts).empty() || !trim(tls_.verify_hosts).empty();
  if (!asks) {
    add(Level::Notice, "client-cert-not-requested",
        "neither tls_try_verify_hosts nor tls_verify_hosts is set: Exim asks no client for a certificate, so none can "
        "be granted relaying",
        "set MAIN_TLS_TRY_VERIFY_HOSTS = * (tls_try_verify_hosts = *) to relay by client certificate", "");
    return;
  }
  std::string ca = tls_.verify_certificates;
  if (expanded(VerifyCertificates, ca)) return;
  if (ca.empty() || ca == "system" || ca == ctx_.system_bundle) {
    add(Level::Warn, "cacert-system-bundle",
        fmt::format("tls_verify_certificates is {}: every publicly issued certificate verifies, and GnuTLS sends all "
                    "those CA names to every client",
                    ca.empty() ? "unset (system)" : ca),
        "point MAIN_TLS_VERIFY_CERTIFICATES at a file holding only the CAs of your clients (mtlscert init)",
        ctx_.system_bundle);
    if (ca.empty() || ca == "system") ca = ctx_.system_bundle;
  }
  const std::string log =
      fmt::format(fmt::runtime(exim_option(VerifyCertificates).log_when_unusable), fmt::arg("path", ca));
  std::error_code ec;
  if (std::filesystem::is_directory(ca, ec)) return;  // GnuTLS loads a directory; no single list to weigh
  if (!usable_file(VerifyCertificates, ca, log)) return;
  std::string bytes;
  try {
    bytes = io::read_file(ca, "CA file");
  } catch (const Error& e) {
    add(Level::Error, "file-unreadable", e.what(), e.hint(), ca);
    return;
  }
  const CaFile file = read_ca_file(bytes);
  if (file.loaded_certificates == 0) {
    add(Level::Error, "cacert-empty",
        fmt::format("CA file {} holds no certificate: no client certificate verifies", ca),
        "put your clients' CA certificates in it (PEM)", ca);
    return;
  }
  // GnuTLS sends the subject of every certificate in the file, duplicates included (OpenSSL
  // drops DER-identical ones): measured 144 names, 14,842 bytes for Debian's ca-certificates.crt.
  CaListSize size = file.list();
  size.unique_names = size.names;
  size.list_bytes = size.list_bytes_without_dedup;
  for (Finding f : judge_ca_list_size(size, ctx_.thresholds, "tls_verify_certificates")) {
    f.path = ca;
    f.hint =
        "keep only the CAs of your clients in tls_verify_certificates (MAIN_TLS_VERIFY_CERTIFICATES): GnuTLS "
        "sends every subject in it; mtlscert bundle split makes that short file";
    out_.push_back(std::move(f));
  }
}

std::vector<Finding> Checker::run() {
  const std::string user = tls_.exim_user.empty() ? std::string(kEximDebianUser) : tls_.exim_user;
  id_ = ctx_.identity ? ctx_.identity : exim_identity(user);
  if (!id_) {
    add(Level::Warn, "exim-user-unknown",
        fmt::format("user {} does not exist here: cannot check that Exim can read its files", user),
        "run doctor on the mail server itself", "");
  }
  if (tls_.advertise_hosts_set && trim(tls_.advertise_hosts).empty()) {
    add(Level::Error, "starttls-not-advertised", "tls_advertise_hosts is empty: Exim offers STARTTLS to no host",
        "set tls_advertise_hosts = * (Debian: MAIN_TLS_ADVERTISE_HOSTS)", "");
  }
  if (tls_.certificate.empty()) {
    add(Level::Error, "option-missing",
        "tls_certificate is not set: Exim 4.96 offers STARTTLS with a self-signed certificate it makes up, which "
        "verifying peers refuse",
        "define MAIN_TLS_ENABLE and MAIN_TLS_CERTIFICATE/MAIN_TLS_PRIVATEKEY (mtlscert emit --mta exim)", "");
    return std::move(out_);
  }
  const bool cert_expanded = expanded(Certificate, tls_.certificate);
  const bool key_expanded = !tls_.privatekey.empty() && expanded(PrivateKey, tls_.privatekey);
  if (!cert_expanded && !key_expanded) {
    const bool cert_ok = usable_file(Certificate, tls_.certificate, setup_log());
    bool key_ok = true;
    if (!tls_.privatekey.empty()) key_ok = usable_file(PrivateKey, tls_.privatekey, setup_log());
    if (key_ok) check_key_bits(key_path());
    if (cert_ok && key_ok) check_pair();
  }
  if (!tls_.crl.empty() && !expanded(Crl, tls_.crl)) check_crl();
  check_client_side();
  return std::move(out_);
}

}  // namespace

std::optional<EximIdentity> exim_identity(const std::string& user) {
  const struct passwd* pw = ::getpwnam(user.c_str());
  if (pw == nullptr) return std::nullopt;
  EximIdentity id;
  id.user = user;
  id.uid = pw->pw_uid;
  id.gid = pw->pw_gid;
  int n = 64;
  std::vector<gid_t> groups(static_cast<std::size_t>(n));
  if (::getgrouplist(user.c_str(), pw->pw_gid, groups.data(), &n) >= 0) {
    groups.resize(static_cast<std::size_t>(n));
    id.groups = groups;
  }
  return id;
}

// tls_crl: missing is a warning (Exim carries on); otherwise judged by pki/crl_check against
// the CA file, with GnuTLS's measured leniency (a CRL past its nextUpdate is still applied).
void Checker::check_crl() {
  if (!exists(tls_.crl)) {
    add(Level::Warn, "file-missing", fmt::format("CRL file {} (tls_crl) does not exist", tls_.crl),
        "create it (mtlscert ca crl) or remove tls_crl", tls_.crl);
    return;
  }
  ossl::Ptr<X509_STORE> cas;
  const std::string& ca = tls_.verify_certificates;
  if (!ca.empty() && ca != "system" && !expanded(VerifyCertificates, ca) && exists(ca)) {
    cas.reset(X509_STORE_new());
    if (cas && X509_STORE_load_file(cas.get(), ca.c_str()) != 1) cas.reset();
    ossl::clear_errors();
  }
  auto findings = check_crl_file({.path = tls_.crl,
                                  .cas = cas.get(),
                                  .ca_files = "tls_verify_certificates",
                                  .mta = "Exim",
                                  .now = ctx_.now,
                                  .openssl = false});
  out_.insert(out_.end(), findings.begin(), findings.end());
}

std::vector<Finding> preflight_exim_tls(const EximTls& tls, const EximPreflightContext& context) {
  return Checker(tls, context).run();
}

}  // namespace mtlscert
