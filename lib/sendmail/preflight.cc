#include "sendmail/preflight.h"

#include <sys/stat.h>

#include <strings.h>
#include <algorithm>

#include <fmt/format.h>
#include <openssl/err.h>

#include "bundle/bundle.h"
#include "bundle/ca_file.h"
#include "core/error.h"
#include "core/io.h"
#include "core/ossl_error.h"
#include "core/text.h"
#include "pki/cert_info.h"
#include "pki/crl_check.h"
#include "pki/key.h"
#include "pki/names.h"
#include "pki/objects.h"
#include "sendmail/file_safety.h"
#include "sendmail/options.h"

namespace mtlscert {
namespace {

using enum SendmailOption;

std::string_view macro(SendmailOption id) { return sendmail_macro(id); }
std::string_view cf(SendmailOption id) { return sendmail_cf_name(id); }

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

CertRef cert_ref(X509* cert, int index, std::size_t line) {
  CertRef r;
  r.index = index;
  r.line = line;
  r.subject = name_rfc2253(X509_get_subject_name(cert));
  r.sha256 = sha256_fingerprint(cert);
  return r;
}

struct VerifyOutcome {
  bool ok = false;
  int error = 0;
  int depth = 0;
  std::string text;
};

VerifyOutcome verify(X509_STORE* store, X509* leaf, STACK_OF(X509) * untrusted, int purpose, std::time_t now) {
  VerifyOutcome v;
  ossl::Ptr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store, leaf, untrusted) != 1) {
    ossl::clear_errors();
    v.text = "could not set up verification";
    return v;
  }
  X509_STORE_CTX_set_purpose(ctx.get(), purpose);
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), now);
  v.ok = X509_verify_cert(ctx.get()) == 1;
  v.error = X509_STORE_CTX_get_error(ctx.get());
  v.depth = X509_STORE_CTX_get_error_depth(ctx.get());
  v.text = X509_verify_cert_error_string(v.error);
  ossl::clear_errors();
  return v;
}

// One loaded certificate file: its first certificate (what sendmail uses) and the rest.
struct CertFile {
  ossl::Ptr<X509> leaf;
  std::size_t leaf_line = 0;
  ossl::OwnedX509Stack extra{sk_X509_new_null()};
};

class Checker {
 public:
  Checker(const SendmailTls& tls, const PreflightContext& ctx) : tls_(tls), ctx_(ctx) {
    policy_ = safety_policy_from_flags(tls.dont_blame_sendmail);
    policy_.run_as_uid = tls.run_as_uid;
    policy_.run_as_gid = tls.run_as_gid;
    policy_.trusted_uid = tls.trusted_uid;
  }

  std::vector<Finding> run();

 private:
  void add(Level level, std::string code, std::string message, std::string hint, std::string path, std::string log = {},
           CertRef cert = {}) {
    out_.push_back(Finding{.level = level,
                           .code = std::move(code),
                           .message = std::move(message),
                           .hint = std::move(hint),
                           .path = std::move(path),
                           .cert = std::move(cert),
                           .sendmail_log = std::move(log)});
  }
  bool required_option(SendmailOption id, const std::string& value);
  bool safe(const std::string& path, SendmailOption id, const char* side, Level level, std::string_view what = {});
  std::optional<CertFile> load_cert(const std::string& path, Level level, std::string_view what);
  ossl::Ptr<EVP_PKEY> load_key(const std::string& path, Level level, const char* side, bool primary);
  void check_pair(const std::string& cert, const std::string& key, bool primary, std::optional<CertFile>* leaf_out);
  void check_cacert();
  void check_server_leaf(CertFile& server);
  void check_client();
  void check_crl_and_dh();

  const SendmailTls& tls_;
  const PreflightContext& ctx_;
  SafetyPolicy policy_;
  std::vector<Finding> out_;
  ossl::Ptr<X509_STORE> store_;
};

bool Checker::required_option(SendmailOption id, const std::string& value) {
  const MtaOption& o = sendmail_option(id);
  const std::string_view option = o.name;
  std::string log = option_log(o, o.log_when_missing);
  if (value.empty()) {
    add(Level::Error, "option-missing",
        fmt::format("{} is not set: sendmail does not offer STARTTLS without it", option),
        fmt::format("set all four of {}", sendmail_names(sendmail_required(), true)), {}, log);
    return false;
  }
  for (const auto& part : split_pair(value)) {
    if (part.empty() || part.front() != '/') {
      add(Level::Error, "option-relative",
          fmt::format("{} '{}' is not an absolute path: sendmail ignores it and does not offer STARTTLS", option, part),
          "give the full path, starting with /", part, log);
      return false;
    }
  }
  return true;
}

// safe checks path as sendmail opens the file of option id (its row's safety class); what
// names it in messages (default: the row's noun).
bool Checker::safe(const std::string& path, SendmailOption id, const char* side, Level level, std::string_view what) {
  const MtaOption& o = sendmail_option(id);
  if (what.empty()) what = o.noun;
  auto issue = check_tls_file(path, *o.safety, policy_);
  if (!issue) return true;
  std::string effect = level == Level::Error ? "sendmail refuses it and does not offer STARTTLS"
                                             : "sendmail skips it and carries on without it";
  std::string message;
  std::string hint;
  switch (issue->rule) {
    case SafetyRule::FileMissing:
      message = fmt::format("{} {} does not exist ({}): {}", what, path, issue->reason, effect);
      hint = "create it, or fix the path";
      break;
    case SafetyRule::FileNotRegular:
      message = fmt::format("{} {} is not a regular file ({}): {}", what, path, issue->detail, effect);
      hint = "point the option at a file";
      break;
    case SafetyRule::FileGroupWritable:
    case SafetyRule::FileWorldWritable:
      message = fmt::format("{} {} is {} ({}): {}", what, path,
                            issue->rule == SafetyRule::FileGroupWritable ? "group-writable" : "world-writable",
                            issue->detail, effect);
      hint = fmt::format("chmod go-w {}", path);
      break;
    case SafetyRule::KeyGroupReadable:
      message = fmt::format("{} {} is readable by its group ({}) and {} lacks GroupReadableKeyFile: {}", what, path,
                            issue->detail, cf(DontBlameSendmail), effect);
      hint = fmt::format(
          "chmod 0600 {} (or root:{} 0640 and GroupReadableKeyFile, which emit-mc adds for a key "
          "whose group is {})",
          path, kDefaultKeyGroup, kDefaultKeyGroup);
      break;
    case SafetyRule::KeyWorldReadable:
      message = fmt::format("{} {} is world-readable ({}): {}, whatever {} says", what, path, issue->detail, effect,
                            cf(DontBlameSendmail));
      hint = fmt::format("chmod 0600 {}", path);
      break;
    case SafetyRule::FileUnreadable:
      message = fmt::format(
          "{} {} has no read permission for its owner ({}): sendmail's safefile() answers "
          "Permission denied even as root: {}",
          what, path, issue->detail, effect);
      hint = fmt::format("chmod {} {}", *o.safety == TlsFileRole::Key ? "0600" : "0644", path);
      break;
    case SafetyRule::FileOwner:
      message = fmt::format("{} {} has the wrong owner ({}): {}", what, path, issue->detail, effect);
      hint = fmt::format("chown root {}", path);
      break;
    case SafetyRule::DirWorldWritable:
    case SafetyRule::DirGroupWritable:
      message = fmt::format("{} {} lies below an unsafe directory ({}): {}", what, path, issue->detail, effect);
      hint = fmt::format(
          "chmod go-w {} (sendmail checks every directory on the path), or keep TLS files in "
          "{} (root, 0755)",
          issue->subject, kDefaultInitDir);
      break;
  }
  add(level, std::string(safety_rule_code(issue->rule)), message, hint, path, sendmail_unsafe_line(side, path, *issue));
  return false;
}

std::optional<CertFile> Checker::load_cert(const std::string& path, Level level, std::string_view what) {
  PkiFile file;
  try {
    file = load_objects_file(path, what);
  } catch (const Error& e) {
    add(level, "cert-unreadable", e.what(), e.hint(), path);
    return std::nullopt;
  }
  CertFile cf;
  for (auto& o : file.objects) {
    if (o.kind != ObjectKind::Certificate) continue;
    if (!cf.leaf) {
      cf.leaf = std::move(o.cert);
      cf.leaf_line = o.line;
    } else {
      sk_X509_push(cf.extra.get(), o.cert.release());
    }
  }
  if (!cf.leaf) {
    add(level, "cert-unreadable", fmt::format("{} {} holds no certificate", what, path),
        "it must be a PEM certificate (BEGIN CERTIFICATE)", path);
    return std::nullopt;
  }
  return cf;
}

ossl::Ptr<EVP_PKEY> Checker::load_key(const std::string& path, Level level, const char* side, bool primary) {
  const MtaOption& o = sendmail_option(ServerKey);
  std::string log = primary ? option_log(o, o.log_when_unusable, path, side) : std::string();
  protect_key_memory();
  try {
    PkiFile file = load_objects_file(path, "key file");
    if (file.count(ObjectKind::EncryptedPrivateKey) > 0) {
      add(level, "key-encrypted",
          fmt::format("key file {} is encrypted: sendmail cannot ask for a passphrase and does not use it", path),
          fmt::format("decrypt it: openssl pkey -in {0} -out {0}.new && mv {0}.new {0} (keep mode 0600)", path), path,
          log);
      return nullptr;
    }
    return load_private_key_file(path);
  } catch (const Error& e) {
    add(level, "key-unreadable", fmt::format("key file {}: {}", path, e.what()), e.hint(), path, log);
    return nullptr;
  }
}

void Checker::check_pair(const std::string& cert, const std::string& key, bool primary,
                         std::optional<CertFile>* leaf_out) {
  Level level = primary ? Level::Error : Level::Warn;
  bool cert_ok = safe(cert, ServerCert, "server", level);
  bool key_ok = safe(key, ServerKey, "server", level);
  if (!cert_ok || !key_ok) return;
  auto cf = load_cert(cert, level, "server certificate");
  auto pkey = load_key(key, level, "server", primary);
  if (!cf || !pkey) return;
  if (!same_public_key(pkey.get(), X509_get0_pubkey(cf->leaf.get()))) {
    add(level, "key-mismatch",
        fmt::format("key {} does not belong to certificate {}: sendmail {}", key, cert,
                    primary ? "does not offer STARTTLS" : "drops this second pair"),
        "give the key the certificate was issued for (compare: openssl x509 -noout -pubkey; openssl pkey -pubout)", key,
        primary ? fmt::format("STARTTLS=server, error: SSL_CTX_check_private_key failed({}): 0", key) : "",
        cert_ref(cf->leaf.get(), 0, cf->leaf_line));
    return;
  }
  if (leaf_out) *leaf_out = std::move(cf);
}

void Checker::check_cacert() {
  const std::string& path = tls_.ca_cert_file;
  const MtaOption& option = sendmail_option(CaCert);
  const MtaOption& o = option;
  const std::string log = option_log(o, o.log_when_unusable, path, "server", tls_.ca_cert_path);
  if (!safe(path, CaCert, "server", Level::Error, fmt::format("{} ({})", o.noun, o.macro))) return;
  PkiFile file;
  CaFile ca;  // what sendmail's OpenSSL makes of it: the names sent, whether it loads
  try {
    std::string bytes = io::read_file(path, "CA file");
    ca = read_ca_file(bytes);
    file = load_objects(bytes, path);
  } catch (const Error& e) {
    add(Level::Error, "cacert-empty", e.what(), e.hint(), path);
    return;
  }
  std::size_t certs = 0;
  int index = 0;
  for (auto& obj : file.objects) {
    if (obj.kind == ObjectKind::Certificate && obj.cert) {
      ++certs;
      if (X509_check_ca(obj.cert.get()) == 0) {
        add(Level::Notice, "cacert-not-ca",
            fmt::format("certificate {} of {} is not a CA: it cannot verify anything, it only adds its name to the "
                        "list sent to clients",
                        index + 1, path),
            fmt::format("keep only CA certificates in {}", option.macro), path, {},
            cert_ref(obj.cert.get(), index, obj.line));
      }
    }
    ++index;
  }
  if (certs == 0 && !ca.loads) {
    add(Level::Error, "cacert-empty",
        fmt::format("CA file {} holds no certificate: sendmail cannot load its verify locations and does not offer "
                    "STARTTLS",
                    path),
        "put the CA certificate that issued your server certificate in it (PEM)", path, log);
    return;
  }
  if (!ca.loads) {
    add(Level::Error, "cacert-empty",
        fmt::format("OpenSSL cannot load CA file {} (a block in it does not parse): sendmail does not offer STARTTLS",
                    path),
        fmt::format("mtlscert bundle check {} names the block; mtlscert bundle trim writes a clean copy", path), path,
        fmt::format("STARTTLS=server, error: load verify locs {}, {} failed: 0", tls_.ca_cert_path, path));
    return;
  }
  store_.reset(X509_STORE_new());
  ossl::clear_errors();
  if (!store_ || X509_STORE_load_file(store_.get(), path.c_str()) != 1) {
    ossl::clear_errors();
    store_.reset();
    add(Level::Error, "cacert-empty", fmt::format("OpenSSL cannot load CA file {}", path), {}, path, log);
    return;
  }
  if (is_dir(tls_.ca_cert_path)) {
    X509_STORE_load_path(store_.get(), tls_.ca_cert_path.c_str());
    ossl::clear_errors();
  }
  // Only the certificates SSL_load_client_CA_file reads count (not TRUSTED CERTIFICATE blocks).
  certs = ca.read.size();
  if (looks_like_system_trust_store(path, certs)) {
    add(Level::Warn, "cacert-system-bundle",
        fmt::format("CA file {} is a system trust bundle ({} certificates): every name is sent to clients asked for "
                    "a certificate",
                    path, certs),
        fmt::format("use {}=/etc/ssl/certs for verification and a small {} with only your issuers", macro(CaCertPath),
                    o.macro),
        path);
  }
  bool no_request = tls_.tls_srv_options.find('V') != std::string::npos;
  for (Finding f : judge_ca_list_size(ca.list(), ctx_.thresholds, std::string(o.macro))) {
    f.path = path;
    if (no_request && f.level > Level::Notice) {
      f.level = Level::Notice;
      f.message +=
          fmt::format(" (no client certificate is requested: {} has V, so the list is not sent)", cf(TlsSrvOptions));
    }
    out_.push_back(std::move(f));
  }
}

void Checker::check_server_leaf(CertFile& server) {
  X509* leaf = server.leaf.get();
  CertInfo info = describe_certificate(leaf, ctx_.now);
  CertRef ref = cert_ref(leaf, 0, server.leaf_line);
  const std::string path = split_pair(tls_.server_cert_file).front();
  bool time_reported = false;
  if (info.not_before_epoch > static_cast<std::int64_t>(ctx_.now)) {
    add(Level::Error, "cert-not-yet-valid",
        fmt::format("server certificate {} is not valid before {}: verifying peers reject it", path, info.not_before),
        "check the clock, or wait", path, {}, ref);
    time_reported = true;
  } else if (info.days_left < 0) {
    add(Level::Error, "cert-expired",
        fmt::format("server certificate {} expired on {}: verifying peers reject it", path, info.not_after), "renew it",
        path, {}, ref);
    time_reported = true;
  } else if (info.days_left < ctx_.expiry_warn_days) {
    add(Level::Warn, "cert-expires-soon",
        fmt::format("server certificate {} expires on {} ({} days left)", path, info.not_after, info.days_left),
        "renew it now", path, {}, ref);
  }
  if (!info.repeated_attributes.empty()) {
    // sendmail's ${cn_subject} (and +CN: in TLS_Srv/TLS_Clt) is the first CN; the CN checks
    // here, like most tools, read the last: with two CNs a "healthy" verdict would be wrong.
    const std::string first = first_cn(X509_get_subject_name(leaf));
    add(Level::Warn, "subject-repeated-attribute",
        fmt::format("server certificate {} has a subject with more than one {} ({}): sendmail's ${{cn_subject}} "
                    "is the first CN ('{}'), other tools take the last ('{}')",
                    path, fmt::join(info.repeated_attributes, ", "), info.subject, first, info.common_name),
        "get a certificate whose subject has one CN (mtlscert ca sign refuses such CSRs)", path, {}, ref);
  }
  if (!ctx_.host.empty()) {
    HostName host = validate_host_name(ctx_.host, "--host");
    if (X509_check_host(leaf, host.ascii.c_str(), host.ascii.size(), 0, nullptr) != 1) {
      add(Level::Error, "host-mismatch",
          fmt::format("server certificate {} does not name {} (SAN: {}): peers that check the name reject it", path,
                      host.ascii, info.dns_names.empty() ? "none" : fmt::format("{}", fmt::join(info.dns_names, ", "))),
          fmt::format("issue a certificate for {} (mtlscert csr --host {})", host.ascii, host.ascii), path, {}, ref);
    }
    ossl::clear_errors();
    if (info.common_name.empty()) {
      add(Level::Warn, "cert-no-cn",
          fmt::format("server certificate {} has no CN: sendmail peers that check TLS_Srv:…+CN see "
                      "BadCertificateUnknown",
                      path),
          "prefer a certificate whose CN is the MX name (Let's Encrypt 'classic' profile)", path, {}, ref);
    } else if (strcasecmp(info.common_name.c_str(), host.ascii.c_str()) != 0) {
      add(Level::Warn, "cn-mismatch",
          fmt::format("server certificate {} has CN {}, not {}: sendmail peers that check +CN compare the CN", path,
                      info.common_name, host.ascii),
          fmt::format("put {} in the CN", host.ascii), path, {}, ref);
    }
  }
  if (!store_) return;
  VerifyOutcome v = verify(store_.get(), leaf, nullptr, X509_PURPOSE_SSL_SERVER, ctx_.now);
  bool time_error = v.error == X509_V_ERR_CERT_HAS_EXPIRED || v.error == X509_V_ERR_CERT_NOT_YET_VALID;
  if (v.ok || (time_reported && time_error && v.depth == 0)) return;
  std::string hint = fmt::format(
      "put the issuing CA (and any intermediate) in {} or hash it into {} "
      "(openssl rehash)",
      tls_.ca_cert_file, tls_.ca_cert_path);
  if (sk_X509_num(server.extra.get()) > 0 &&
      verify(store_.get(), leaf, server.extra.get(), X509_PURPOSE_SSL_SERVER, ctx_.now).ok) {
    hint = fmt::format(
        "{} holds the intermediate, but Debian's sendmail sends only the first certificate of "
        "{}: add the other certificates of that file to {} (or hash them into {})",
        path, cf(ServerCert), tls_.ca_cert_file, tls_.ca_cert_path);
  }
  add(Level::Error, "server-chain",
      fmt::format("server certificate {} does not verify as a TLS server with {} + {}: {} "
                  "(depth {}): verifying peers reject it",
                  path, macro(CaCert), macro(CaCertPath), v.text, v.depth),
      hint, path, {}, ref);
}

void Checker::check_client() {
  auto certs = split_pair(tls_.client_cert_file);
  auto keys = split_pair(tls_.client_key_file);
  const std::string& cert = certs.front();
  const std::string& key = keys.front();
  if (cert.empty() || cert.front() != '/' || key.empty() || key.front() != '/') {
    add(Level::Warn, "option-relative",
        fmt::format("{}/{} '{}', '{}' must both be absolute paths: sendmail sends no client certificate",
                    cf(ClientCert), cf(ClientKey), cert, key),
        "give full paths", cert);
    return;
  }
  // The same files as the server's were judged above; say it once.
  bool shared = tls_.client_cert_file == tls_.server_cert_file && tls_.client_key_file == tls_.server_key_file;
  if (!shared) {
    bool ok = safe(cert, ClientCert, "client", Level::Warn);
    ok = safe(key, ClientKey, "client", Level::Warn) && ok;
    if (!ok) return;
  } else if (check_tls_file(cert, *sendmail_option(ClientCert).safety, policy_) ||
             check_tls_file(key, *sendmail_option(ClientKey).safety, policy_)) {
    return;
  }
  auto cf = load_cert(cert, Level::Warn, "client certificate");
  auto pkey = load_key(key, Level::Warn, "client", false);
  if (!cf || !pkey) return;
  CertRef ref = cert_ref(cf->leaf.get(), 0, cf->leaf_line);
  if (!same_public_key(pkey.get(), X509_get0_pubkey(cf->leaf.get()))) {
    add(Level::Warn, "key-mismatch",
        fmt::format("client key {} does not belong to client certificate {}: sendmail sends no client certificate", key,
                    cert),
        "give the key the certificate was issued for", key, {}, ref);
    return;
  }
  if (!store_) return;
  VerifyOutcome v = verify(store_.get(), cf->leaf.get(), cf->extra.get(), X509_PURPOSE_SSL_CLIENT, ctx_.now);
  if (v.ok) return;
  if (v.error == X509_V_ERR_INVALID_PURPOSE) {
    add(Level::Warn, "client-eku",
        fmt::format("client certificate {} is not allowed for TLS clients ({} at depth {}): peers that verify will "
                    "record verify=FAIL (unsuitable certificate purpose)",
                    cert, v.text, v.depth),
        fmt::format("use a certificate with clientAuth from your own CA (mtlscert ca sign --profile client), or "
                    "leave {} unset",
                    macro(ClientCert)),
        cert, {}, ref);
  } else {
    add(Level::Warn, "client-chain",
        fmt::format("client certificate {} does not verify with {} + {}: {} (depth {}): peers "
                    "that verify with the same CAs will record verify=FAIL",
                    cert, macro(CaCert), macro(CaCertPath), v.text, v.depth),
        "check that the client certificate comes from a CA your peers trust", cert, {}, ref);
  }
}

void Checker::check_crl_and_dh() {
  if (!tls_.crl_file.empty() && safe(tls_.crl_file, Crl, "server", Level::Error)) {
    auto crl = check_crl_file({.path = tls_.crl_file,
                               .cas = store_.get(),
                               .ca_files = fmt::format("{} + {}", cf(CaCert), cf(CaCertPath)),
                               .now = ctx_.now},
                              option_log(sendmail_option(Crl), sendmail_option(Crl).log_when_unusable, tls_.crl_file));
    out_.insert(out_.end(), crl.begin(), crl.end());
  }
  const std::string& dh = tls_.dh_parameters;
  const MtaOption& dh_option = sendmail_option(DhParameters);
  if (dh.empty() || is_option_keyword(dh_option, dh)) return;
  if (!safe(dh, DhParameters, "server", Level::Warn)) return;
  bool params = false;
  try {
    auto text = io::read_file(dh, "DH parameters file");
    params = text.find("-----BEGIN DH PARAMETERS-----") != std::string::npos ||
             text.find("-----BEGIN X9.42 DH PARAMETERS-----") != std::string::npos;
  } catch (const Error&) {
  }
  if (!params) {
    add(Level::Warn, "dh-unreadable",
        fmt::format("DH parameters file {} holds no PEM DH parameters: sendmail falls back to its built-in 2048-bit "
                    "group",
                    dh),
        "make them with: openssl dhparam -out FILE 2048, or use the built-in group (--dh-params i)", dh,
        option_log(dh_option, dh_option.log_when_unusable, dh));
  }
}

std::vector<Finding> Checker::run() {
  bool options_ok = true;
  for (SendmailOption id : sendmail_required()) {
    options_ok = required_option(id, tls_.*sendmail_option_table()[static_cast<std::size_t>(id)].tls) && options_ok;
  }
  if (!tls_.ca_cert_path.empty() && tls_.ca_cert_path.front() == '/' && !is_dir(tls_.ca_cert_path)) {
    add(Level::Warn, "cacert-path-missing",
        fmt::format("{} {} is not a directory: certificates hashed there cannot help verification", cf(CaCertPath),
                    tls_.ca_cert_path),
        "create it (Debian: /etc/ssl/certs) and run: openssl rehash DIR", tls_.ca_cert_path);
  }
  if (!tls_.ca_cert_file.empty() && tls_.ca_cert_file.front() == '/') check_cacert();
  std::optional<CertFile> server;
  if (options_ok) {
    auto certs = split_pair(tls_.server_cert_file);
    auto keys = split_pair(tls_.server_key_file);
    for (std::size_t i = 0; i < certs.size() && i < keys.size(); ++i) {
      check_pair(certs[i], keys[i], i == 0, i == 0 ? &server : nullptr);
    }
  }
  if (server) check_server_leaf(*server);
  if (!tls_.client_cert_file.empty()) check_client();
  check_crl_and_dh();
  return std::move(out_);
}

}  // namespace

std::vector<Finding> preflight_sendmail_tls(const SendmailTls& tls, const PreflightContext& context) {
  return Checker(tls, context).run();
}

}  // namespace mtlscert
