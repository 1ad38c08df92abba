#include "sendmail/init.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <sys/stat.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io.h"
#include "core/ossl_error.h"
#include "pki/ca.h"
#include "pki/cert_info.h"
#include "pki/csr.h"
#include "pki/genkey.h"
#include "pki/names.h"
#include "pki/objects.h"
#include "pki/pem_write.h"
#include "sendmail/doctor.h"
#include "sendmail/emit_mc.h"
#include "sendmail/init_ca_files.h"

namespace mtlscert {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUnchanged = "already present; unchanged";

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

mode_t file_mode(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0;
}

std::string absolute_dir(const std::string& dir) {
  std::error_code ec;
  fs::path p = fs::absolute(fs::path(dir), ec);
  if (ec) throw Error(fmt::format("--dir {}: {}", dir, ec.message()), dir);
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// ensure_dir: dir exists afterwards with mode exactly `mode` if this call made it (its missing
// parents 0755), whatever the umask. Every directory already on the way that others may write
// (group- or world-writable, not sticky) is an error naming it: whoever can write there can
// swap the tree the .mc includes, and sendmail refuses TLS files below it anyway. Returns
// whether dir was created.
bool ensure_dir(const std::string& dir, mode_t mode) {
  std::string prefix;
  bool created = false;
  std::size_t pos = 1;
  while (pos <= dir.size()) {
    std::size_t slash = dir.find('/', pos);
    if (slash == std::string::npos) slash = dir.size();
    const bool last = slash == dir.size();
    prefix = dir.substr(0, slash);
    pos = slash + 1;
    if (prefix.empty() || prefix.back() == '/') continue;
    struct stat st {};
    if (::stat(prefix.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) throw Error(fmt::format("{} exists and is not a directory", prefix), prefix);
      if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0) {
        throw Error(fmt::format("directory {} is {}-writable (mode {}): others could replace the TLS files below "
                                "it, and sendmail refuses them there",
                                prefix, (st.st_mode & S_IWOTH) != 0 ? "world" : "group", io::mode_string(st.st_mode)),
                    prefix, fmt::format("chmod go-w {}", prefix));
      }
      continue;
    }
    if (errno != ENOENT) {
      throw Error(fmt::format("cannot check directory {}: {}", prefix, std::strerror(errno)), prefix);
    }
    const mode_t want = last ? mode : 0755;
    // mkdir with 0700 first: the directory is never wider than wanted, even for a moment.
    if (::mkdir(prefix.c_str(), 0700) != 0 || ::chmod(prefix.c_str(), want) != 0) {
      throw Error(fmt::format("cannot create directory {}: {}", prefix, std::strerror(errno)), prefix,
                  "run as root for /etc/mail/tls, or give --dir DIR");
    }
    created = created || last;
  }
  return created;
}

void make_dir(const std::string& dir, mode_t mode, std::vector<InitFile>& files, const std::string& purpose) {
  if (exists(dir) && !fs::is_directory(dir)) throw Error(fmt::format("{} exists and is not a directory", dir), dir);
  const bool created = ensure_dir(dir, mode);
  files.push_back({dir, created ? mode : file_mode(dir), purpose, created ? "created" : kUnchanged});
}

// check_reused: init keeps files that are already right; before it trusts one (and signs for
// a reused key) the file must be safe: owned by root or by us, not writable by others, and a
// key not readable by every user. Refuses with the fix otherwise.
void check_reused(const std::string& path, std::string_view role, bool is_key) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;
  const mode_t m = st.st_mode & 07777;
  if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
    throw Error(
        fmt::format("{} {} is owned by another user (uid {}): that user can change it, so init will not "
                    "reuse it",
                    role, path, st.st_uid),
        path,
        is_key ? fmt::format("treat the key as known to that user: remove {} and rerun init to make a new one", path)
               : fmt::format("check its content, then chown root {} (or remove it and rerun init)", path));
  }
  if ((m & (S_IWGRP | S_IWOTH)) != 0) {
    throw Error(fmt::format("{} {} is {}-writable (mode {}): others could replace it, so init will not reuse it", role,
                            path, (m & S_IWOTH) != 0 ? "world" : "group", io::mode_string(m)),
                path, fmt::format("check its content, then chmod go-w {}", path));
  }
  if (is_key && (m & S_IROTH) != 0) {
    throw Error(fmt::format("{} {} is world-readable (mode {}): every user of this machine may have copied it, so "
                            "init will not reuse it",
                            role, path, io::mode_string(m)),
                path,
                fmt::format("make a new key: remove {} and rerun init (chmod 600 alone does not undo a copy)", path));
  }
}

ossl::Ptr<X509> first_cert(const std::string& path, std::string_view role) {
  PkiFile f = load_objects_file(path, role);
  for (auto& o : f.objects) {
    if (o.kind == ObjectKind::Certificate && o.cert) return std::move(o.cert);
  }
  throw Error(fmt::format("{} {} holds no certificate", role, path), path);
}

bool names_host(const CertInfo& info, const std::string& host) {
  if (std::find(info.dns_names.begin(), info.dns_names.end(), host) != info.dns_names.end()) return true;
  return info.dns_names.empty() && info.common_name == host;
}

bool has_eku(const CertInfo& info, std::string_view eku) {
  return std::find(info.extended_key_usage.begin(), info.extended_key_usage.end(), eku) !=
         info.extended_key_usage.end();
}

// Why an existing certificate is not right for this key and host (empty: it is right).
std::string cert_problem(X509* cert, EVP_PKEY* key, X509* ca, const std::string& host, std::time_t now) {
  CertInfo info = describe_certificate(cert, now);
  if (!same_public_key(X509_get0_pubkey(cert), key)) return "it does not match the key";
  if (!names_host(info, host)) return fmt::format("it does not name {}", host);
  if (info.days_left < kExpiryWarnDays) return fmt::format("it ends in {} days", info.days_left);
  if (ca != nullptr) {
    if (X509_NAME_cmp(X509_get_issuer_name(cert), X509_get_subject_name(ca)) != 0 ||
        X509_verify(cert, X509_get0_pubkey(ca)) != 1) {
      ossl::clear_errors();
      return "it was not issued by this CA";
    }
    if (!has_eku(info, "serverAuth") || !has_eku(info, "clientAuth")) return "it lacks serverAuth or clientAuth";
  }
  return {};
}

std::string ca_name(const InitRequest& r, const std::string& host) {
  if (!r.subject.organization.empty()) return r.subject.organization + " Mail CA";
  const std::size_t dot = host.find('.');
  return fmt::format("Mail CA for {}", dot == std::string::npos ? host : host.substr(dot + 1));
}

std::string status_of(bool changed, const std::string& what) { return changed ? what : kUnchanged; }

// The m4 file and the pre-flight (emit-mc's code), shared by init and install-cert.
void write_mc(InitResult& r, const std::string& cert, const std::string& key, const std::string& cacert,
              const std::string& capath, const std::string& group, std::time_t now, std::string_view template_text,
              std::string_view version) {
  EmitMcRequest req;
  req.mc.server_cert = cert;
  req.mc.server_key = key;
  req.mc.cacert = cacert;
  req.mc.cacert_path = capath;
  req.mc.include_path = r.mc_path;
  req.host = r.host;
  req.key_group = group.empty() ? std::string(kDefaultKeyGroup) : group;
  req.out = r.mc_path;
  req.overwrite = true;
  req.now = now;
  req.check = exists(cert);
  const std::string purpose = "the sendmail.mc lines (include it after DOMAIN(`debian-mta'))";
  if (!req.check) {
    // No certificate yet (--ca none): write the lines; install-cert runs the pre-flight.
    McText text = render_mc(req.mc, template_text, version);
    std::string old;
    if (exists(r.mc_path)) old = io::read_file(r.mc_path, "m4 file");
    const bool changed = old != text.text;
    if (changed) io::write_file_atomic(r.mc_path, text.text, {0644, true, std::nullopt, "m4 file"});
    r.files.push_back({r.mc_path, 0644, purpose, status_of(changed, "written (pre-flight waits for the certificate)")});
    r.warnings.insert(r.warnings.end(), text.warnings.begin(), text.warnings.end());
    return;
  }
  EmitMcResult e = emit_mc(req, template_text, version);
  r.checked = true;
  r.findings = e.findings;
  r.blocked = e.blocked;
  r.warnings.insert(r.warnings.end(), e.mc.warnings.begin(), e.mc.warnings.end());
  std::string status =
      e.blocked ? "not written: the pre-flight found errors (below)" : (e.unchanged ? kUnchanged : "written");
  r.files.push_back({r.mc_path, e.blocked ? file_mode(r.mc_path) : 0644, purpose, status});
}

// One line per distinct warning: writing 140 CA files into one directory must not repeat the
// directory's warning 140 times.
void unique_warnings(std::vector<std::string>& warnings) {
  std::vector<std::string> out;
  for (auto& w : warnings) {
    if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(std::move(w));
  }
  warnings = std::move(out);
}

std::string bundle_or_default(const std::string& b) { return b.empty() ? std::string(kSystemCaBundle) : b; }

void add_ca_files(InitResult& r, const detail::CaFilesOutcome& o, const std::string& cacert,
                  const std::string& capath) {
  r.files.push_back(
      {cacert, 0644,
       fmt::format("confCACERT: the {} CA(s) clients should use (sent in the CA list; keep it short)", o.advertised),
       status_of(o.cacert_changed, "written")});
  r.files.push_back({capath, file_mode(capath),
                     fmt::format("confCACERT_PATH: {} trusted CA(s), hashed (verification only, not sent)", o.trusted),
                     status_of(o.capath_changed, "written")});
  r.warnings.insert(r.warnings.end(), o.warnings.begin(), o.warnings.end());
}

}  // namespace

InitResult init_mail_tls(const InitRequest& req, std::string_view template_text, std::string_view version) {
  InitResult r;
  const HostName host = validate_host_name(req.host, "HOST");
  r.host = host.ascii;
  check_common_name(host, "HOST");
  validate_key_spec(req.key);
  const SubjectFields subject = check_subject(req.subject);
  r.dir = absolute_dir(req.dir);
  const std::string base = r.dir + "/" + r.host;
  const std::string key_path = base + ".key";
  const std::string csr_path = base + ".csr";
  const std::string cert_path = base + ".crt";
  const std::string cacert = r.dir + "/cacert.pem";
  const std::string capath = r.dir + "/certs";
  r.mc_path = r.dir + "/" + std::string(kInitMcName);

  // Every file init would reuse is checked before anything is written or signed.
  const std::string ca_dir_path = req.ca_dir.empty() ? r.dir + "/ca" : absolute_dir(req.ca_dir);
  check_reused(key_path, "private key", true);
  check_reused(csr_path, "CSR", false);
  check_reused(cert_path, "certificate", false);
  check_reused(cacert, "confCACERT file", false);
  check_reused(capath, "confCACERT_PATH directory", false);
  check_reused(r.mc_path, "m4 file", false);
  if (req.private_ca) {
    check_reused(ca_dir_path, "CA directory", false);
    check_reused(ca_dir_path + "/ca.key", "CA key", true);
    check_reused(ca_dir_path + "/ca.crt", "CA certificate", false);
    check_reused(ca_dir_path + "/serials", "CA serials file", false);
  }
  // The key inside is protected by its own mode (0600, or 0640 for --group's smmsp); the
  // directory stays 0755 so that group can reach it. The CA directory (ca.key) is 0700.
  make_dir(r.dir, 0755, r.files, "the TLS directory (root, 0755: sendmail checks every directory on the path)");

  // 1. The key: never overwritten; an existing one must load (unencrypted, a usable type).
  ossl::Ptr<EVP_PKEY> key;
  const std::string key_purpose = "private key: confSERVER_KEY and confCLIENT_KEY (never overwritten)";
  if (exists(key_path)) {
    key = load_private_key_file(key_path);
    r.files.push_back({key_path, file_mode(key_path), key_purpose,
                       fmt::format("{} ({})", kUnchanged, summarize_key(key.get()).label)});
  } else {
    KeyFileResult k = create_key_file({req.key, key_path, false, req.key_group});
    r.warnings.insert(r.warnings.end(), k.warnings.begin(), k.warnings.end());
    key = load_private_key_file(key_path);
    r.files.push_back({key_path, k.mode, key_purpose, fmt::format("created ({})", k.key.label)});
  }

  // 2. The CSR: kept when it carries this key and names this host.
  const std::string csr_purpose = "CSR for " + r.host + ": send it to a public CA";
  std::string csr_status = "created";
  if (exists(csr_path)) {
    std::string why;
    try {
      PkiFile f = load_objects_file(csr_path, "CSR");
      X509_REQ* csr = nullptr;
      for (auto& o : f.objects) {
        if (o.csr) csr = o.csr.get();
      }
      if (csr == nullptr) {
        why = "it holds no CSR";
      } else {
        CsrInfo info = describe_csr(csr);
        if (!same_public_key(X509_REQ_get0_pubkey(csr), key.get())) {
          why = "it does not carry the key";
        } else if (info.common_name != r.host) {
          why = fmt::format("its CN is {}, not {}", info.common_name, r.host);
        }
      }
    } catch (const Error& e) {
      why = e.what();
    }
    csr_status = why.empty() ? kUnchanged : "rewritten: " + why;
  }
  if (csr_status != kUnchanged) {
    CsrFileRequest c;
    c.key_path = key_path;
    c.request.host = r.host;
    c.request.subject = subject;
    c.path = csr_path;
    c.overwrite = true;
    CsrFileResult cr = create_csr_file(c);
    r.warnings.insert(r.warnings.end(), cr.warnings.begin(), cr.warnings.end());
  }
  r.files.push_back({csr_path, file_mode(csr_path), csr_purpose, csr_status});

  // 3. With --ca private: the CA (made once, or reused) signs a server+client certificate.
  std::string extra_pem;
  if (req.private_ca) {
    const std::string& ca_dir = ca_dir_path;
    const std::string ca_crt = ca_dir + "/ca.crt";
    const std::string ca_key = ca_dir + "/ca.key";
    const std::string ca_purpose = "the private CA (ca.key 0600 stays here; ca.crt goes to your peers)";
    if (exists(ca_crt) && exists(ca_key)) {
      r.files.push_back({ca_dir, file_mode(ca_dir), ca_purpose, kUnchanged});
    } else {
      CaInitRequest ci;
      ci.dir = ca_dir;
      ci.name = ca_name(req, r.host);
      CaInitResult cr = ca_init(ci, req.now);
      r.warnings.insert(r.warnings.end(), cr.warnings.begin(), cr.warnings.end());
      r.files.push_back({ca_dir, file_mode(ca_dir), ca_purpose, "created (" + ci.name + ")"});
    }
    ossl::Ptr<X509> ca = first_cert(ca_crt, "CA certificate");
    extra_pem = certificate_pem(ca.get());
    std::string status = "created";
    if (exists(cert_path)) {
      std::string why;
      try {
        ossl::Ptr<X509> cert = first_cert(cert_path, "certificate");
        why = cert_problem(cert.get(), key.get(), ca.get(), r.host, req.now);
      } catch (const Error& e) {
        why = e.what();
      }
      status = why.empty() ? kUnchanged : "reissued: " + why;
    }
    if (status != kUnchanged) {
      CaSignRequest s;
      s.dir = ca_dir;
      s.csr_path = csr_path;
      s.out = cert_path;
      s.profile = CertProfile::ServerClient;
      s.overwrite = true;
      CaSignResult sr = ca_sign(s, req.now);
      r.warnings.insert(r.warnings.end(), sr.warnings.begin(), sr.warnings.end());
    }
    r.files.push_back({cert_path, file_mode(cert_path),
                       "certificate (serverAuth+clientAuth) from the private CA: confSERVER_CERT and confCLIENT_CERT",
                       status});
  }

  // 4. The CA files: needs the server certificate's chain, so after the certificate.
  if (exists(cert_path)) {
    ensure_dir(capath, 0755);  // explicitly 0755: split would make it with the umask's mode
    add_ca_files(r, detail::write_ca_files(bundle_or_default(req.cacert), extra_pem, cert_path, cacert, capath), cacert,
                 capath);
  } else {
    r.files.push_back({cert_path, 0, "certificate: confSERVER_CERT and confCLIENT_CERT",
                       "pending: mtlscert install-cert CERT puts it here"});
    r.files.push_back({cacert, 0, "confCACERT: the issuers of your certificate", "pending: made by install-cert"});
  }

  if (req.lines) {
    if (!exists(cert_path)) {
      r.next_steps.push_back(fmt::format("Submit {} to your CA (it names {}).", csr_path, r.host));
      r.next_steps.push_back(fmt::format("Install the certificate it returns as {} (mode 0644).", cert_path));
    }
    req.lines(r, InitLines{cert_path, key_path, cacert, capath, req.key_group, req.now});
    unique_warnings(r.warnings);
    return r;
  }

  // 5. The sendmail.mc lines, checked by the pre-flight when the certificate exists.
  write_mc(r, cert_path, key_path, cacert, capath, req.key_group, req.now, template_text, version);

  if (!exists(cert_path)) {
    r.next_steps.push_back(fmt::format("Submit {} to your CA (it names {}).", csr_path, r.host));
    r.next_steps.push_back(fmt::format("Install what it returns: mtlscert install-cert CERT --dir {}", r.dir));
  }
  r.next_steps.push_back(
      fmt::format("Add to /etc/mail/sendmail.mc, after the line DOMAIN(`debian-mta')dnl:  "
                  "include(`{}')dnl",
                  r.mc_path));
  r.next_steps.push_back("Rebuild and restart: sendmailconfig (Debian), or make -C /etc/mail and restart sendmail.");
  r.next_steps.push_back("Check: mtlscert doctor /etc/mail/sendmail.cf, then mtlscert probe localhost");
  if (req.private_ca) {
    r.next_steps.push_back(
        fmt::format("For a certificate from a public CA instead: submit {}, then mtlscert "
                    "install-cert CERT --dir {}",
                    csr_path, r.dir));
    r.next_steps.push_back(
        fmt::format("Give {}/ca.crt to the peers that should verify you; let clients relay with: "
                    "mtlscert access --ca {}/ca.crt",
                    req.ca_dir.empty() ? r.dir + "/ca" : absolute_dir(req.ca_dir),
                    req.ca_dir.empty() ? r.dir + "/ca" : absolute_dir(req.ca_dir)));
  }
  unique_warnings(r.warnings);
  return r;
}

InitResult install_cert(const InstallCertRequest& req, std::string_view template_text, std::string_view version) {
  InitResult r;
  r.dir = absolute_dir(req.dir);
  r.mc_path = r.dir + "/" + std::string(kInitMcName);
  if (!exists(r.mc_path)) {
    throw Error(
        fmt::format("{} does not exist: install-cert installs into a directory made by mtlscert init", r.mc_path),
        r.mc_path, fmt::format("run: mtlscert init HOST --dir {}", r.dir));
  }
  SendmailConfig cfg = read_sendmail_config(r.mc_path);
  const std::string cert_path = cfg.tls.server_cert_file;
  const std::string key_path = cfg.tls.server_key_file;
  std::string name = fs::path(key_path).filename().string();
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".key") == 0) name.resize(name.size() - 4);
  r.host = validate_host_name(name, "the key's file name").ascii;

  ossl::Ptr<EVP_PKEY> key = load_private_key_file(key_path);
  PkiFile file = load_objects_file(req.cert, "certificate");
  std::vector<X509*> certs;
  for (auto& o : file.objects) {
    if (o.kind == ObjectKind::Certificate && o.cert) certs.push_back(o.cert.get());
  }
  if (certs.empty())
    throw Error(fmt::format("{} holds no certificate", req.cert), req.cert, "give the PEM file your CA returned");
  X509* leaf = certs.front();
  CertInfo info = describe_certificate(leaf, req.now);
  if (!same_public_key(X509_get0_pubkey(leaf), key.get())) {
    throw Error(fmt::format("{} does not match the key {} (its public key is another one)", req.cert, key_path),
                req.cert, fmt::format("this certificate was issued for another CSR; submit {}/{}.csr", r.dir, r.host));
  }
  if (!names_host(info, r.host)) {
    throw Error(fmt::format("{} does not name {} (SAN: {})", req.cert, r.host,
                            info.dns_names.empty() ? "none" : fmt::format("{}", fmt::join(info.dns_names, ", "))),
                req.cert, "peers would reject it: ask the CA for a certificate with this name");
  }
  if (info.days_left < 0 || info.not_before_epoch > req.now) {
    throw Error(fmt::format("{} is not valid now ({} to {})", req.cert, info.not_before, info.not_after), req.cert);
  }
  // The chain: the certificates after the leaf, then the trusted bundle and the CA files.
  std::string extra_pem;
  for (std::size_t i = 1; i < certs.size(); ++i) extra_pem += certificate_pem(certs[i]);
  const std::string bundle = bundle_or_default(req.cacert);
  {
    ossl::Ptr<X509_STORE> store(X509_STORE_new());
    X509_STORE_load_file(store.get(), bundle.c_str());
    if (exists(cfg.tls.ca_cert_file)) X509_STORE_load_file(store.get(), cfg.tls.ca_cert_file.c_str());
    for (std::size_t i = 1; i < certs.size(); ++i) X509_STORE_add_cert(store.get(), certs[i]);
    ossl::clear_errors();
    ossl::Ptr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
    X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr);
    X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_PARTIAL_CHAIN);
    if (X509_verify_cert(ctx.get()) != 1) {
      const int err = X509_STORE_CTX_get_error(ctx.get());
      ossl::clear_errors();
      throw Error(
          fmt::format("{}: its chain does not verify: {}", req.cert, X509_verify_cert_error_string(err)), req.cert,
          fmt::format("append the intermediate certificate(s) the CA sent after the certificate in {}", req.cert));
    }
  }
  std::string pem;
  for (X509* c : certs) pem += certificate_pem(c);
  std::string old;
  if (exists(cert_path)) old = io::read_file(cert_path, "certificate");
  const bool changed = old != pem;
  if (changed) io::write_file_atomic(cert_path, pem, {0644, true, std::nullopt, "certificate"});
  r.files.push_back(
      {cert_path, 0644, "certificate: confSERVER_CERT and confCLIENT_CERT",
       status_of(changed, fmt::format("installed ({} certificate(s), ends {})", certs.size(), info.not_after))});
  std::string private_ca;
  if (exists(r.dir + "/ca/ca.crt"))
    private_ca = certificate_pem(first_cert(r.dir + "/ca/ca.crt", "CA certificate").get());
  add_ca_files(
      r, detail::write_ca_files(bundle, private_ca + extra_pem, cert_path, cfg.tls.ca_cert_file, cfg.tls.ca_cert_path),
      cfg.tls.ca_cert_file, cfg.tls.ca_cert_path);
  struct stat st {};
  std::string group;
  if (::stat(key_path.c_str(), &st) == 0 && (st.st_mode & 040) != 0) group = kDefaultKeyGroup;
  write_mc(r, cert_path, key_path, cfg.tls.ca_cert_file, cfg.tls.ca_cert_path, group, req.now, template_text, version);
  r.next_steps.push_back("Rebuild and restart: sendmailconfig (Debian), or make -C /etc/mail and restart sendmail.");
  r.next_steps.push_back("Check: mtlscert probe localhost");
  unique_warnings(r.warnings);
  return r;
}

std::string to_json(const InitResult& r, std::string_view schema) {
  nlohmann::ordered_json j;
  j["schema"] = schema;
  j["host"] = r.host;
  j["dir"] = r.dir;
  j["mc"] = r.mc_path;
  j["files"] = nlohmann::ordered_json::array();
  for (const auto& f : r.files) {
    j["files"].push_back(
        {{"path", f.path}, {"mode", io::mode_string(f.mode)}, {"purpose", f.purpose}, {"status", f.status}});
  }
  j["checked"] = r.checked;
  j["findings"] = r.findings;
  j["blocked"] = r.blocked;
  j["warnings"] = r.warnings;
  j["next_steps"] = r.next_steps;
  return j.dump(2);
}

}  // namespace mtlscert
