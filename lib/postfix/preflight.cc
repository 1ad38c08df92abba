#include "postfix/preflight.h"

#include <sys/stat.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/x509v3.h>

#include "bundle/ca_file.h"
#include "bundle/ca_list.h"
#include "core/io.h"
#include "core/ossl_error.h"
#include "core/text.h"
#include "pki/cert_info.h"
#include "pki/key.h"
#include "pki/objects.h"
#include "postfix/options.h"

namespace mtlscert {
namespace {

using enum PostfixOption;

std::string fill(std::string_view format, std::string_view path, std::string_view side) {
  return option_log(MtaOption{}, format, path, side);
}

// A key with the certificate it must match, and the log lines smtpd writes for each.
struct Pair {
  std::string key, cert;
  std::string key_log, cert_log;  ///< what smtpd logs when the key / the certificate is unusable
  std::string missing_log;        ///< what smtpd logs when a file does not exist
  std::string owner;              ///< the parameter(s) that named them
  std::string side;               ///< "RSA", "ECDSA" (cert_file, eccert_file); empty for chain_files
};

// A key of another algorithm than its certificate loads into another slot, so smtpd's
// SSL_CTX_check_private_key fails instead, and it logs this (measured: an ECDSA key named by
// smtpd_tls_key_file beside an RSA certificate). A key of the same algorithm: key_log.
constexpr std::string_view kOtherAlgorithm =
    "warning: {} private key in {} does not match public key in {}: disabling TLS support";

class Checker {
 public:
  Checker(const PostfixTls& tls, const PreflightContext& ctx) : tls_(tls), ctx_(ctx) {}
  std::vector<Finding> run();

 private:
  void add(Level level, std::string code, std::string message, std::string hint, std::string path,
           std::string log = {}) {
    Finding f = make_finding(level, std::move(code), std::move(message), std::move(hint), std::move(path));
    f.sendmail_log = std::move(log);
    f.logged_by = "smtpd";
    out_.push_back(std::move(f));
  }
  std::vector<Pair> pairs();
  bool present(const std::string& path, std::string_view param, const std::string& log);
  void check_key_mode(const std::string& key);
  void check_pair(const Pair& p);
  void check_leaf(X509* leaf, const std::string& path);
  void check_cafile();
  void check_relay();

  const PostfixTls& tls_;
  const PreflightContext& ctx_;
  std::vector<Finding> out_;
};

std::vector<Pair> Checker::pairs() {
  std::vector<Pair> out;
  if (!tls_.chain_files.empty()) {
    // smtpd_tls_chain_files: each key is followed by the certificates it belongs to.
    const std::vector<std::string> files = split_postfix_list(tls_.chain_files);
    const std::string all = fmt::format("{}", fmt::join(files, ", "));
    for (std::size_t i = 0; i + 1 < files.size(); i += 2) {
      Pair p{files[i],
             files[i + 1],
             fill(postfix_option(ChainFiles).log_when_unusable, all, ""),
             fill(postfix_option(ChainFiles).log_when_unusable, all, ""),
             "",
             std::string(postfix_name(ChainFiles)),
             ""};
      out.push_back(std::move(p));
    }
    return out;
  }
  auto add_pair = [&](const std::string& cert, const std::string& key, PostfixOption c, PostfixOption k,
                      std::string_view side) {
    if (cert.empty()) return;
    out.push_back({key.empty() ? cert : key, cert, fill(postfix_option(k).log_when_unusable, key, side),
                   fill(postfix_option(c).log_when_unusable, cert, side), "",
                   fmt::format("{}/{}", postfix_name(c), postfix_name(k)), std::string(side)});
  };
  add_pair(tls_.cert_file, tls_.key_file, CertFile, KeyFile, "RSA");
  add_pair(tls_.eccert_file, tls_.eckey_file, EccertFile, EckeyFile, "ECDSA");
  return out;
}

bool Checker::present(const std::string& path, std::string_view param, const std::string& log) {
  if (path.empty() || path.front() != '/') {
    add(Level::Error, "option-relative",
        fmt::format("{} = {}: not an absolute path (smtpd resolves it against its working directory, the queue)", param,
                    path),
        "give the absolute path", path, log);
    return false;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    add(Level::Error, "file-missing",
        fmt::format("{} {} does not exist: smtpd disables TLS and answers STARTTLS with 454", param, path),
        fmt::format("create it, or correct {} in main.cf", param), path, log);
    return false;
  }
  return true;
}

void Checker::check_key_mode(const std::string& key) {
  struct stat st {};
  if (::stat(key.c_str(), &st) != 0) return;
  if (st.st_mode & S_IROTH) {
    add(Level::Error, "key-world-readable",
        fmt::format("key file {} is readable by every local user (mode {}): anyone can impersonate this server", key,
                    io::mode_string(st.st_mode & 07777)),
        fmt::format("chmod 0600 {} (smtpd reads it as root; no group needs it)", key), key);
  } else if (st.st_mode & S_IRGRP) {
    add(Level::Warn, "key-group-readable",
        fmt::format("key file {} is readable by its group (mode {}): Postfix does not need that, it reads keys as root",
                    key, io::mode_string(st.st_mode & 07777)),
        fmt::format("chmod 0600 {}", key), key);
  }
}

void Checker::check_pair(const Pair& p) {
  const bool chain = p.owner == postfix_name(ChainFiles);
  const std::string missing_key =
      chain ? fmt::format("warning: error opening chain file: {}: No such file or directory", p.key) : p.key_log;
  const std::string missing_cert =
      chain ? fmt::format("warning: error opening chain file: {}: No such file or directory", p.cert) : p.cert_log;
  const bool cert_ok = present(p.cert, p.owner, missing_cert);
  const bool key_ok = p.key == p.cert || present(p.key, p.owner, missing_key);
  if (!key_ok || !cert_ok) return;
  check_key_mode(p.key);
  PkiFile certs;
  try {
    certs = load_objects_file(p.cert, "server certificate");
  } catch (const Error& e) {
    add(Level::Error, "cert-unreadable", e.what(), e.hint(), p.cert, p.cert_log);
    return;
  }
  X509* leaf = nullptr;
  for (auto& o : certs.objects)
    if (o.kind == ObjectKind::Certificate && o.cert) {
      leaf = o.cert.get();
      break;
    }
  if (!leaf) {
    add(Level::Error, "cert-unreadable", fmt::format("{} holds no certificate (PEM BEGIN CERTIFICATE)", p.cert),
        "put the server certificate (leaf first, then its chain) in it", p.cert, p.cert_log);
    return;
  }
  protect_key_memory();
  ossl::Ptr<EVP_PKEY> key;
  try {
    PkiFile kf = load_objects_file(p.key, "key file");
    if (kf.count(ObjectKind::EncryptedPrivateKey) > 0) {
      add(Level::Error, "key-encrypted",
          fmt::format("key file {} is encrypted: smtpd cannot ask for a passphrase and disables TLS", p.key),
          fmt::format("decrypt it: openssl pkey -in {0} -out {0}.new && mv {0}.new {0} (keep mode 0600)", p.key), p.key,
          p.key_log);
      return;
    }
    key = load_private_key_file(p.key);
  } catch (const Error& e) {
    add(Level::Error, "key-unreadable", fmt::format("key file {}: {}", p.key, e.what()), e.hint(), p.key, p.key_log);
    return;
  }
  if (!same_public_key(key.get(), X509_get0_pubkey(leaf))) {
    const bool same_algorithm = EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_get_base_id(X509_get0_pubkey(leaf));
    const std::string log =
        same_algorithm || p.side.empty() ? p.key_log : fmt::format(kOtherAlgorithm, p.side, p.key, p.cert);
    add(Level::Error, "key-mismatch",
        fmt::format("key {} does not belong to certificate {}: smtpd disables TLS and answers STARTTLS with 454", p.key,
                    p.cert),
        "give the key the certificate was issued for (compare: openssl x509 -noout -pubkey; openssl pkey -pubout)",
        p.key, log);
    return;
  }
  check_leaf(leaf, p.cert);
}

void Checker::check_leaf(X509* leaf, const std::string& path) {
  CertInfo info = describe_certificate(leaf, ctx_.now);
  const auto now = static_cast<std::int64_t>(ctx_.now);
  if (info.not_after_epoch < now) {
    add(Level::Error, "cert-expired",
        fmt::format("server certificate {} expired on {}: verifying clients reject it", path, info.not_after),
        "renew it (mtlscert ca sign, or your CA)", path);
  } else if (info.not_before_epoch > now) {
    add(Level::Error, "cert-not-yet-valid",
        fmt::format("server certificate {} is valid only from {}", path, info.not_before), "check the clock, or wait",
        path);
  } else if (info.not_after_epoch - now < static_cast<std::int64_t>(ctx_.expiry_warn_days) * 86400) {
    add(Level::Warn, "cert-expires-soon", fmt::format("server certificate {} expires on {}", path, info.not_after),
        "renew it now", path);
  }
  if (!ctx_.host.empty() && X509_check_host(leaf, ctx_.host.c_str(), ctx_.host.size(), 0, nullptr) != 1) {
    add(Level::Error, "host-mismatch",
        fmt::format("server certificate {} does not name {}: verifying clients reject it", path, ctx_.host),
        fmt::format("get a certificate for {} (mtlscert csr --host {})", ctx_.host, ctx_.host), path);
  }
  ossl::clear_errors();
}

void Checker::check_cafile() {
  const std::string& path = tls_.ca_file;
  const std::string locations = tls_.ca_path.empty() ? fmt::format("CAfile=\"{}\"", path)
                                                     : fmt::format("CAfile=\"{}\", CApath=\"{}\"", path, tls_.ca_path);
  const std::string log = fill(postfix_option(CaFile).log_when_unusable, locations, "");
  const std::string param(postfix_name(CaFile));
  if (path.empty()) {
    if (iequals(tls_.ask_ccert, "yes")) {
      add(Level::Warn, "cacert-missing",
          fmt::format("{} = yes but no {}: clients get an empty CA list and many send no certificate",
                      postfix_name(AskCcert), param),
          fmt::format("set {} to a short file with the CAs of the client certificates you accept", param), {});
    }
    return;
  }
  if (!present(path, param, log)) return;
  struct CaFile ca;  // the struct, not the PostfixOption enumerator
  try {
    ca = read_ca_file(io::read_file(path, "CA file"));
  } catch (const Error& e) {
    add(Level::Error, "cacert-empty", e.what(), e.hint(), path, log);
    return;
  }
  if (!ca.loads || ca.loaded_certificates == 0) {
    add(Level::Error, "cacert-empty",
        fmt::format("OpenSSL cannot load CA file {} (no certificate, or a block that does not parse): smtpd "
                    "disables TLS",
                    path),
        "put the CA certificate that issued your certificates in it (PEM); mtlscert bundle check names a bad block",
        path, log);
    return;
  }
  const bool asks = iequals(tls_.ask_ccert, "yes");
  for (Finding f : judge_ca_list_size(ca.list(), ctx_.thresholds, param)) {
    f.path = path;
    if (!asks && f.level > Level::Notice) {
      f.level = Level::Notice;
      f.message +=
          fmt::format(" ({} is not yes: no certificate is asked for, the list is not sent)", postfix_name(AskCcert));
    }
    out_.push_back(std::move(f));
  }
}

void Checker::check_relay() {
  if (tls_.relay_clientcerts.empty()) return;
  const auto restrictions = split_postfix_list(tls_.relay_restrictions);
  bool permits = false;
  for (const auto& r : restrictions)
    if (r == "permit_tls_clientcerts") permits = true;
  if (!permits) {
    add(Level::Warn, "relay-not-permitted",
        fmt::format("{} is set but {} has no permit_tls_clientcerts: the listed certificates cannot relay",
                    postfix_name(RelayClientcerts), postfix_name(RelayRestrictions)),
        fmt::format("{} = permit_mynetworks, permit_tls_clientcerts, reject_unauth_destination",
                    postfix_name(RelayRestrictions)),
        {});
  }
  if (!iequals(tls_.fingerprint_digest, "sha256")) {
    add(Level::Warn, "fingerprint-digest",
        fmt::format("{} = {}: the relay_clientcerts fingerprints mtlscert prints are SHA-256",
                    postfix_name(FingerprintDigest), tls_.fingerprint_digest),
        fmt::format("{} = sha256", postfix_name(FingerprintDigest)), {});
  }
  if (!iequals(tls_.ask_ccert, "yes")) {
    add(Level::Warn, "relay-no-ccert",
        fmt::format("{} is set but {} is not yes: smtpd asks no client for a certificate, so none can relay",
                    postfix_name(RelayClientcerts), postfix_name(AskCcert)),
        fmt::format("{} = yes", postfix_name(AskCcert)), {});
  }
}

std::vector<Finding> Checker::run() {
  const std::string level = lower(tls_.security_level);
  if (level != "may" && level != "encrypt") {
    add(Level::Error, "tls-off",
        fmt::format("{} = {}: smtpd does not offer STARTTLS", postfix_name(SecurityLevel),
                    tls_.security_level.empty() ? "(empty: none)" : tls_.security_level),
        fmt::format("{} = may", postfix_name(SecurityLevel)), {});
  }
  std::vector<Pair> ps = pairs();
  if (ps.empty()) {
    add(Level::Error, "option-missing",
        fmt::format("no server certificate ({} or {}): smtpd cannot offer STARTTLS", postfix_name(ChainFiles),
                    postfix_name(CertFile)),
        "mtlscert emit --mta postfix prints the lines", {}, std::string(postfix_option(CertFile).log_when_missing));
  }
  for (const Pair& p : ps) check_pair(p);
  check_cafile();
  if (!tls_.ca_path.empty()) {
    struct stat st {};
    if (::stat(tls_.ca_path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      add(Level::Warn, "cacert-path-missing",
          fmt::format("{} {} is not a directory: smtpd logs nothing and verifies clients with {} alone",
                      postfix_name(CaPath), tls_.ca_path, postfix_name(CaFile)),
          "create it (mtlscert bundle split) or remove the line", tls_.ca_path);
    }
  }
  check_relay();
  return std::move(out_);
}

}  // namespace

std::vector<std::string> split_postfix_list(const std::string& value) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : value) {
    if (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::vector<Finding> preflight_postfix_tls(const PostfixTls& tls, const PreflightContext& context) {
  return Checker(tls, context).run();
}

}  // namespace mtlscert
