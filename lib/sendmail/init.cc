#include "sendmail/init.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <grp.h>
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
#include "sendmail/cf_reader.h"
#include "sendmail/emit_mc.h"
#include "sendmail/init_ca_files.h"
#include "sendmail/options.h"

namespace mtlscert {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUnchanged = kInitUnchanged;

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

mode_t file_mode(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0;
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

// Why an existing certificate is not right for this key and host (empty: it is right).
std::string cert_problem(X509* cert, EVP_PKEY* key, X509* ca, const std::string& host, std::time_t now) {
  CertInfo info = describe_certificate(cert, now);
  if (!same_public_key(X509_get0_pubkey(cert), key)) return "it does not match the key";
  if (!info.names_host(host)) return fmt::format("it does not name {}", host);
  if (info.days_left < kExpiryWarnDays) return fmt::format("it ends in {} days", info.days_left);
  if (ca != nullptr) {
    if (X509_NAME_cmp(X509_get_issuer_name(cert), X509_get_subject_name(ca)) != 0 ||
        X509_verify(cert, X509_get0_pubkey(ca)) != 1) {
      ossl::clear_errors();
      return "it was not issued by this CA";
    }
    if (!info.lists_eku("serverAuth") || !info.lists_eku("clientAuth")) return "it lacks serverAuth or clientAuth";
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

using enum SendmailOption;

// "confSERVER_CERT and confCLIENT_CERT": the two options one file of init's serves.
std::string server_and_client(SendmailOption server, SendmailOption client) {
  return fmt::format("{} and {}", sendmail_macro(server), sendmail_macro(client));
}

std::string bundle_or_default(const std::string& b) { return b.empty() ? std::string(kSystemCaBundle) : b; }

void add_ca_files(InitResult& r, const detail::CaFilesOutcome& o, const std::string& cacert,
                  const std::string& capath) {
  r.files.push_back({cacert, 0644,
                     fmt::format("{}: the {} CA(s) clients should use (sent in the CA list; keep it short)",
                                 sendmail_macro(CaCert), o.advertised),
                     status_of(o.cacert_changed, "written")});
  r.files.push_back(
      {capath, file_mode(capath),
       fmt::format("{}: {} trusted CA(s), hashed (verification only, not sent)", sendmail_macro(CaCertPath), o.trusted),
       status_of(o.capath_changed, "written")});
  r.warnings.insert(r.warnings.end(), o.warnings.begin(), o.warnings.end());
}

constexpr const char* kDirPurpose = "the TLS directory (root, 0755: sendmail checks every directory on the path)";
constexpr const char* kCaPurpose = "the private CA (ca.key 0600 stays here; ca.crt goes to your peers)";

// A step; a kept file reports the mode it has, a new one the mode it will have.
InitStep planned_step(InitAction action, const std::string& path, mode_t mode, std::string purpose,
                      std::string why = {}) {
  return {path, action == InitAction::Keep ? file_mode(path) : mode, std::move(purpose), action, std::move(why)};
}

// Every file init would reuse is checked before anything is written or signed.
void check_reusable(const InitPlan& p) {
  check_reused(p.key, "private key", true);
  check_reused(p.csr, "CSR", false);
  check_reused(p.cert, "certificate", false);
  check_reused(p.cacert, fmt::format("{} file", sendmail_macro(CaCert)), false);
  check_reused(p.capath, fmt::format("{} directory", sendmail_macro(CaCertPath)), false);
  check_reused(p.mc, "m4 file", false);
  if (p.request.private_ca) {
    check_reused(p.ca_dir, "CA directory", false);
    check_reused(p.ca_dir + "/ca.key", "CA key", true);
    check_reused(p.ca_dir + "/ca.crt", "CA certificate", false);
    check_reused(p.ca_dir + "/serials", "CA serials file", false);
  }
}

// 0. The directory: the key inside is protected by its own mode (0600, or 0640 for
// --group's smmsp); the directory stays 0755 so that group can reach it.
InitStep plan_dir(const std::string& dir) {
  if (exists(dir) && !fs::is_directory(dir)) throw Error(fmt::format("{} exists and is not a directory", dir), dir);
  return planned_step(exists(dir) ? InitAction::Keep : InitAction::Create, dir, 0755, kDirPurpose);
}

// 1. The key: never overwritten; an existing one must load (unencrypted, a usable type).
// key is set to it (null: a new key will be made).
InitStep plan_key(const InitPlan& p, ossl::Ptr<EVP_PKEY>& key) {
  const std::string purpose =
      fmt::format("private key: {} (never overwritten)", server_and_client(ServerKey, ClientKey));
  if (!exists(p.key)) return {p.key, p.request.key_group.empty() ? 0600u : 0640u, purpose, InitAction::Create, {}};
  key = load_private_key_file(p.key);
  return planned_step(InitAction::Keep, p.key, 0, purpose, summarize_key(key.get()).label);
}

// 2. The CSR: kept when it carries this key and names this host.
InitStep plan_csr(const InitPlan& p, EVP_PKEY* key) {
  const std::string purpose = "CSR for " + p.request.host + ": send it to a public CA";
  if (!exists(p.csr)) return {p.csr, 0644, purpose, InitAction::Create, {}};
  std::string why;
  try {
    PkiFile f = load_objects_file(p.csr, "CSR");
    X509_REQ* csr = nullptr;
    for (auto& o : f.objects) {
      if (o.csr) csr = o.csr.get();
    }
    if (csr == nullptr) {
      why = "it holds no CSR";
    } else {
      const CsrInfo info = describe_csr(csr);
      if (key == nullptr || !same_public_key(X509_REQ_get0_pubkey(csr), key)) {
        why = "it does not carry the key";  // a new key: no present CSR carries it
      } else if (info.common_name != p.request.host) {
        why = fmt::format("its CN is {}, not {}", info.common_name, p.request.host);
      }
    }
  } catch (const Error& e) {
    why = e.what();
  }
  return planned_step(why.empty() ? InitAction::Keep : InitAction::Rewrite, p.csr, 0644, purpose, why);
}

// 3. With --ca private: the CA (made once, or reused) signs a server+client certificate,
// kept while it is right for this key, host and CA. ca is set to the CA's certificate when
// it exists (null: a new CA will be made).
void plan_private_ca(InitPlan& p, EVP_PKEY* key, ossl::Ptr<X509>& ca) {
  const bool have_ca = exists(p.ca_dir + "/ca.crt") && exists(p.ca_dir + "/ca.key");
  p.ca_step = planned_step(have_ca ? InitAction::Keep : InitAction::Create, p.ca_dir, 0700, kCaPurpose,
                           have_ca ? std::string() : ca_name(p.request, p.request.host));
  if (have_ca) ca = first_cert(p.ca_dir + "/ca.crt", "CA certificate");
  const std::string purpose =
      "certificate (serverAuth+clientAuth) from the private CA: " + server_and_client(ServerCert, ClientCert);
  if (!exists(p.cert)) {
    p.cert_step = InitStep{p.cert, 0644, purpose, InitAction::Create, {}};
    return;
  }
  std::string why;
  try {
    ossl::Ptr<X509> cert = first_cert(p.cert, "certificate");
    // A new key or a new CA: the present certificate cannot be theirs.
    why = key == nullptr ? "it does not match the key"
                         : cert_problem(cert.get(), key, ca.get(), p.request.host, p.request.now);
    if (why.empty() && !ca) why = "it was not issued by this CA";
  } catch (const Error& e) {
    why = e.what();
  }
  p.cert_step = planned_step(why.empty() ? InitAction::Keep : InitAction::Rewrite, p.cert, 0644, purpose, why);
}

// 4. The CA files need the server certificate's chain: written when it exists, else pending.
void plan_ca_files(InitPlan& p) {
  if (p.cert_ready) {
    p.cacert_step = {
        p.cacert,
        0644,
        fmt::format("{}: the CA(s) clients should use (sent in the CA list; keep it short)", sendmail_macro(CaCert)),
        InitAction::Write,
        {}};
    p.capath_step = {
        p.capath,
        0755,
        fmt::format("{}: the trusted CAs, hashed (verification only, not sent)", sendmail_macro(CaCertPath)),
        InitAction::Write,
        {}};
    return;
  }
  p.cert_step = InitStep{p.cert, 0, "certificate: " + server_and_client(ServerCert, ClientCert), InitAction::Pending,
                         "pending: mtlscert install-cert CERT puts it here"};
  p.cacert_step = {p.cacert, 0, fmt::format("{}: the issuers of your certificate", sendmail_macro(CaCert)),
                   InitAction::Pending, "pending: made by install-cert"};
}

std::vector<std::string> init_next_steps(const InitPlan& p) {
  std::vector<std::string> next;
  if (!p.cert_ready) {
    next.push_back(fmt::format("Submit {} to your CA (it names {}).", p.csr, p.request.host));
    next.push_back(fmt::format("Install what it returns: mtlscert install-cert CERT --dir {}", p.dir));
  }
  next.push_back(
      fmt::format("Add to /etc/mail/sendmail.mc, after the line DOMAIN(`debian-mta')dnl:  "
                  "include(`{}')dnl",
                  p.mc));
  next.push_back("Rebuild and restart: sendmailconfig (Debian), or make -C /etc/mail and restart sendmail.");
  next.push_back("Check: mtlscert doctor /etc/mail/sendmail.cf, then mtlscert probe localhost");
  if (p.request.private_ca) {
    next.push_back(
        fmt::format("For a certificate from a public CA instead: submit {}, then mtlscert "
                    "install-cert CERT --dir {}",
                    p.csr, p.dir));
    next.push_back(
        fmt::format("Give {}/ca.crt to the peers that should verify you; let clients relay with: "
                    "mtlscert access --ca {}/ca.crt",
                    p.ca_dir, p.ca_dir));
  }
  return next;
}

// The status init reports for a step it carried out (rewrite: "rewritten" or, for a
// certificate, "reissued").
std::string done_status(const InitStep& s, std::string_view rewritten = "rewritten") {
  switch (s.action) {
    case InitAction::Keep: return kUnchanged;
    case InitAction::Create: return "created";
    case InitAction::Rewrite: return fmt::format("{}: {}", rewritten, s.why);
    case InitAction::Write: return "written";
    case InitAction::Pending: return s.why;
  }
  return {};
}

// 1. applied: the key made unless kept (the plan loaded a kept one).
void apply_key(const InitPlan& p, InitResult& r) {
  const InitStep& s = p.key_step;
  if (s.action == InitAction::Keep) {
    r.files.push_back({s.path, s.mode, s.purpose, fmt::format("{} ({})", kUnchanged, s.why)});
    return;
  }
  KeyFileResult k = create_key_file({p.request.key, s.path, false, p.request.key_group});
  r.warnings.insert(r.warnings.end(), k.warnings.begin(), k.warnings.end());
  r.files.push_back({s.path, k.mode, s.purpose, fmt::format("created ({})", k.key.label)});
}

// 2. applied: the CSR written unless kept.
void apply_csr(const InitPlan& p, InitResult& r) {
  if (p.csr_step.action != InitAction::Keep) {
    CsrFileRequest c;
    c.key_path = p.key;
    c.request.host = p.request.host;
    c.request.subject = p.request.subject;
    c.path = p.csr;
    c.overwrite = true;
    CsrFileResult cr = create_csr_file(c);
    r.warnings.insert(r.warnings.end(), cr.warnings.begin(), cr.warnings.end());
  }
  r.files.push_back({p.csr, file_mode(p.csr), p.csr_step.purpose, done_status(p.csr_step)});
}

// 3. applied: the CA made unless kept, the certificate signed unless kept; returns the CA's PEM.
std::string apply_private_ca(const InitPlan& p, InitResult& r) {
  const InitStep& ca = *p.ca_step;
  if (ca.action == InitAction::Keep) {
    r.files.push_back({ca.path, file_mode(ca.path), ca.purpose, kUnchanged});
  } else {
    CaInitRequest ci;
    ci.dir = ca.path;
    ci.name = ca.why;
    CaInitResult cr = ca_init(ci, p.request.now);
    r.warnings.insert(r.warnings.end(), cr.warnings.begin(), cr.warnings.end());
    r.files.push_back({ca.path, file_mode(ca.path), ca.purpose, "created (" + ci.name + ")"});
  }
  const std::string ca_pem = certificate_pem(first_cert(ca.path + "/ca.crt", "CA certificate").get());
  const InitStep& cert = *p.cert_step;
  if (cert.action != InitAction::Keep) {
    CaSignRequest s;
    s.dir = ca.path;
    s.csr_path = p.csr;
    s.out = p.cert;
    s.profile = CertProfile::ServerClient;
    s.overwrite = true;
    CaSignResult sr = ca_sign(s, p.request.now);
    r.warnings.insert(r.warnings.end(), sr.warnings.begin(), sr.warnings.end());
  }
  r.files.push_back({p.cert, file_mode(p.cert), cert.purpose, done_status(cert, "reissued")});
  return ca_pem;
}

}  // namespace

std::vector<InitStep> InitPlan::steps() const {
  std::vector<InitStep> out = {dir_step, key_step, csr_step};
  if (ca_step) out.push_back(*ca_step);
  if (cert_step) out.push_back(*cert_step);
  out.push_back(cacert_step);
  if (cert_ready) out.push_back(capath_step);
  out.push_back(mc_step);
  return out;
}

InitPlan plan_init(const InitRequest& req) {
  InitPlan p;
  p.request = req;
  const HostName host = validate_host_name(req.host, "HOST");
  p.request.host = host.ascii;
  check_common_name(host, "HOST");
  validate_key_spec(req.key);
  p.request.subject = check_subject(req.subject);
  p.dir = io::absolute_dir(req.dir);
  const std::string base = p.dir + "/" + p.request.host;
  p.key = base + ".key";
  p.csr = base + ".csr";
  p.cert = base + ".crt";
  p.cacert = p.dir + "/cacert.pem";
  p.capath = p.dir + "/certs";
  p.mc = p.dir + "/" + std::string(kInitMcName);
  p.ca_dir = req.ca_dir.empty() ? p.dir + "/ca" : io::absolute_dir(req.ca_dir);
  check_reusable(p);
  p.dir_step = plan_dir(p.dir);
  ossl::Ptr<EVP_PKEY> key;
  p.key_step = plan_key(p, key);
  p.csr_step = plan_csr(p, key.get());
  if (req.private_ca) {
    ossl::Ptr<X509> ca;
    plan_private_ca(p, key.get(), ca);
  }
  p.cert_ready = req.private_ca || exists(p.cert);
  plan_ca_files(p);
  p.mc_step = {p.mc, 0644, "the sendmail.mc lines (include it after DOMAIN(`debian-mta'))", InitAction::Write, {}};
  p.next_steps = init_next_steps(p);
  return p;
}

InitResult apply_init(const InitPlan& p, std::string_view template_text, std::string_view version) {
  InitResult r;
  r.host = p.request.host;
  r.dir = p.dir;
  r.mc_path = p.mc;
  make_dir(p.dir, 0755, r.files, kDirPurpose);
  apply_key(p, r);
  apply_csr(p, r);
  const std::string extra_pem = p.request.private_ca ? apply_private_ca(p, r) : std::string();
  // 4. The CA files: needs the server certificate's chain, so after the certificate.
  if (p.cert_ready) {
    ensure_dir(p.capath, 0755);  // explicitly 0755: split would make it with the umask's mode
    add_ca_files(r, detail::write_ca_files(bundle_or_default(p.request.cacert), extra_pem, p.cert, p.cacert, p.capath),
                 p.cacert, p.capath);
  } else {
    for (const InitStep* s : {&*p.cert_step, &p.cacert_step}) r.files.push_back({s->path, 0, s->purpose, s->why});
  }
  // 5. Another MTA's lines (InitRequest::lines) instead of sendmail's, with that MTA's next steps.
  if (p.request.lines) {
    if (!p.cert_ready) {
      r.next_steps.push_back(fmt::format("Submit {} to your CA (it names {}).", p.csr, r.host));
      r.next_steps.push_back(fmt::format("Install the certificate it returns as {} (mode 0644).", p.cert));
    }
    p.request.lines(r, InitLines{p.cert, p.key, p.cacert, p.capath, p.request.key_group, p.request.now});
    unique_warnings(r.warnings);
    return r;
  }
  // 5. The sendmail.mc lines, checked by the pre-flight when the certificate exists.
  write_mc(r, p.cert, p.key, p.cacert, p.capath, p.request.key_group, p.request.now, template_text, version);
  r.next_steps = p.next_steps;
  unique_warnings(r.warnings);
  return r;
}

InitResult preview_init(const InitPlan& p) {
  InitResult r;
  r.host = p.request.host;
  r.dir = p.dir;
  r.mc_path = p.mc;
  r.dry_run = true;
  for (const InitStep& s : p.steps()) {
    std::string status;
    switch (s.action) {
      case InitAction::Keep: status = s.why.empty() ? kUnchanged : fmt::format("{} ({})", kUnchanged, s.why); break;
      case InitAction::Create: status = "would create"; break;
      case InitAction::Rewrite: status = fmt::format("would rewrite: {}", s.why); break;
      case InitAction::Write: status = "would write"; break;
      case InitAction::Pending: status = s.why; break;
    }
    r.files.push_back({s.path, s.mode, s.purpose, status});
  }
  r.next_steps = p.next_steps;
  return r;
}

InitResult init_mail_tls(const InitRequest& req, std::string_view template_text, std::string_view version) {
  return apply_init(plan_init(req), template_text, version);
}

InitResult finish_install(const InstalledCert& in, std::string_view template_text, std::string_view version) {
  InitResult r;
  r.dir = in.dir;
  r.mc_path = in.mc_path;
  r.host = in.host;
  std::string private_ca;
  if (exists(r.dir + "/ca/ca.crt"))
    private_ca = certificate_pem(first_cert(r.dir + "/ca/ca.crt", "CA certificate").get());
  add_ca_files(r, detail::write_ca_files(in.bundle, private_ca + in.chain_pem, in.cert, in.cacert, in.capath),
               in.cacert, in.capath);
  struct stat st {};
  std::string group;
  if (::stat(in.key.c_str(), &st) == 0 && (st.st_mode & 040) != 0) {
    const struct group* g = ::getgrgid(st.st_gid);
    group = g != nullptr ? g->gr_name : std::string(kDefaultKeyGroup);
  }
  if (in.lines) {
    in.lines(r, InitLines{in.cert, in.key, in.cacert, in.capath, group, in.now});
  } else {
    write_mc(r, in.cert, in.key, in.cacert, in.capath, group, in.now, template_text, version);
  }
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
  if (r.dry_run) j["dry_run"] = true;  // only on a preview: init's document is otherwise unchanged
  return j.dump(2);
}

}  // namespace mtlscert
