#include "lifecycle/install.h"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <sys/stat.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io.h"
#include "core/ossl_error.h"
#include "exim/init.h"
#include "lifecycle/dir_snapshot.h"
#include "lifecycle/run_command.h"
#include "pki/cert_info.h"
#include "pki/key.h"
#include "pki/names.h"
#include "pki/objects.h"
#include "pki/pem_write.h"
#include "postfix/init.h"
#include "sendmail/cf_reader.h"
#include "smtp/probe.h"

namespace mtlscert {
namespace {

namespace fs = std::filesystem;

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// The certificates of a PEM file, in order; the file must hold at least one when required.
std::vector<ossl::Ptr<X509>> load_certs(const std::string& path, std::string_view role, bool required) {
  PkiFile file = load_objects_file(path, role);
  std::vector<ossl::Ptr<X509>> certs;
  for (auto& o : file.objects) {
    if (o.kind == ObjectKind::Certificate && o.cert) certs.push_back(std::move(o.cert));
  }
  if (required && certs.empty())
    throw Error(fmt::format("{} holds no certificate", path), path, "give the PEM file your CA returned");
  return certs;
}

// The sources: a certbot lineage gives all three files (its own key: certbot makes a new
// one at each renewal unless --reuse-key, so DIR's key would not match).
void resolve_sources(InstallRequest& r) {
  if (r.from_certbot.empty()) {
    if (r.cert.empty())
      throw Error("install-cert: no certificate given", "", "give CERT, --cert FILE or --from-certbot DIR");
    return;
  }
  if (!r.cert.empty() || !r.key.empty() || !r.chain.empty())
    throw Error("install-cert: --from-certbot takes the certificate, chain and key from the lineage", r.from_certbot,
                "give either --from-certbot DIR or --cert/--chain/--key, not both");
  const std::string l = r.from_certbot;
  for (const char* name : {"cert.pem", "chain.pem", "privkey.pem"}) {
    if (!exists(l + "/" + name))
      throw Error(fmt::format("{}/{} does not exist: {} is not a certbot lineage", l, name, l), l + "/" + name,
                  "give certbot's live directory: --from-certbot \"$RENEWED_LINEAGE\" (e.g. "
                  "/etc/letsencrypt/live/HOST)");
  }
  r.cert = l + "/cert.pem";
  r.chain = l + "/chain.pem";
  r.key = l + "/privkey.pem";
}

void check_chain(const InstallPlan& p, X509* leaf, const std::vector<X509*>& chain) {
  ossl::Ptr<X509_STORE> store(X509_STORE_new());
  X509_STORE_load_file(store.get(), p.files.bundle.c_str());
  if (exists(p.files.cacert)) X509_STORE_load_file(store.get(), p.files.cacert.c_str());
  for (X509* c : chain) X509_STORE_add_cert(store.get(), c);
  ossl::clear_errors();
  ossl::Ptr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr);
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_PARTIAL_CHAIN);
  X509_STORE_CTX_set_time(ctx.get(), 0, p.request.now);
  if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    ossl::clear_errors();
    const std::string& c = p.request.cert;
    throw Error(fmt::format("{}: its chain does not verify against {}: {}", c, p.files.bundle,
                            X509_verify_cert_error_string(err)),
                c,
                p.request.chain.empty()
                    ? fmt::format("append the intermediate certificate(s) the CA sent after the certificate in {}", c)
                    : fmt::format("give the CA's root with --cacert FILE (the chain is {})", p.request.chain));
  }
}

// Copy a file byte for byte with its mode and group, atomically (the *.prev and the rollback).
void copy_file(const std::string& from, const std::string& to, std::string_view role) {
  struct stat st {};
  if (::stat(from.c_str(), &st) != 0) throw Error(fmt::format("{}: cannot stat", from), from);
  std::optional<gid_t> group;
  if (st.st_gid != ::getegid()) group = st.st_gid;
  io::write_file_atomic(to, io::read_file(from, role), {st.st_mode & 07777, true, group, role});
}

// restore_capath: the CA directory as it was before the install.
void restore_capath(const DirSnapshot& before, std::vector<std::string>& steps) {
  if (before.dir.empty()) return;
  const std::size_t changed = restore_dir(before);
  if (changed > 0)
    steps.push_back(fmt::format("restored {} ({} entr{} put back)", before.dir, changed, changed == 1 ? "y" : "ies"));
}

struct Backup {
  std::string path;
  bool existed = false;
};

// restore: put every *.prev back (remove what did not exist before). Throws Error naming the
// file to restore by hand.
void restore(const std::vector<Backup>& backups, std::vector<std::string>& steps) {
  for (const auto& b : backups) {
    try {
      if (b.existed) {
        copy_file(b.path + ".prev", b.path, "previous file");
      } else {
        fs::remove(b.path);
      }
    } catch (const Error& e) {
      throw Error(fmt::format("rollback failed: {}: {}", b.path, e.what()), b.path,
                  fmt::format("restore it by hand: cp -p {0}.prev {0}, then reload the MTA", b.path));
    }
    steps.push_back(b.existed ? fmt::format("restored {} from {}.prev", b.path, b.path)
                              : fmt::format("removed {} (there was none before)", b.path));
  }
}

void require_init_file(const std::string& path, const std::string& dir, Mta mta) {
  if (!exists(path)) {
    throw Error(fmt::format("{} does not exist: install-cert installs into a directory made by mtlscert init "
                            "--mta {}",
                            path, mta_name(mta)),
                path, fmt::format("run: mtlscert init HOST --mta {} --dir {}", mta_name(mta), dir));
  }
}

// Which MTA init wrote DIR's lines for: the one whose lines file is there.
Mta detect_init_mta(const std::string& dir) {
  std::vector<Mta> found;
  if (exists(dir + "/" + std::string(kInitMcName))) found.push_back(Mta::Sendmail);
  if (exists(dir + "/" + std::string(kPostfixFragmentName))) found.push_back(Mta::Postfix);
  if (exists(dir + "/" + std::string(kEximInitName))) found.push_back(Mta::Exim);
  if (found.size() == 1) return found.front();
  if (found.empty()) {
    throw Error(fmt::format("{} holds none of {}, {}, {}: install-cert installs into a directory made by mtlscert "
                            "init",
                            dir, kInitMcName, kPostfixFragmentName, kEximInitName),
                dir, fmt::format("run: mtlscert init HOST --dir {} (with --mta for Postfix or Exim)", dir));
  }
  throw Error(fmt::format("{} holds the lines of several MTAs", dir), dir,
              "say which with --mta sendmail|postfix|exim");
}

// DIR's one HOST.key (init makes exactly one; the CA's key is in DIR/ca).
std::string init_key_file(const std::string& dir) {
  std::vector<std::string> keys;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.size() > 4 && n.ends_with(".key") && e.is_regular_file()) keys.push_back(e.path().string());
  }
  if (keys.size() != 1) {
    throw Error(fmt::format("{}: {} key files (HOST.key) where init makes one", dir, keys.size()), dir,
                "keep only the HOST.key init made in this directory");
  }
  return keys.front();
}

}  // namespace

InstallPlan plan_install(const InstallRequest& request) {
  InstallPlan p;
  p.request = request;
  InstallRequest& req = p.request;
  resolve_sources(req);
  InstalledCert& f = p.files;
  f.dir = io::absolute_dir(req.dir);
  const Mta mta = req.mta ? *req.mta : detect_init_mta(f.dir);
  p.mta = mta;
  bool client_side = false;
  if (mta == Mta::Sendmail) {
    f.mc_path = f.dir + "/" + std::string(kInitMcName);
    require_init_file(f.mc_path, f.dir, mta);
    SendmailConfig cfg = read_sendmail_config(f.mc_path);
    f.cert = cfg.tls.server_cert_file;
    f.key = cfg.tls.server_key_file;
    f.cacert = cfg.tls.ca_cert_file;
    f.capath = cfg.tls.ca_cert_path;
    client_side = !cfg.tls.client_cert_file.empty();
  } else {
    // Postfix's and Exim's lines name init's own files: DIR/HOST.crt, HOST.key, cacert.pem,
    // certs/ (sendmail/init.h); their lines are rewritten from them after the install.
    f.mc_path = f.dir + "/" + std::string(mta == Mta::Postfix ? kPostfixFragmentName : kEximInitName);
    require_init_file(f.mc_path, f.dir, mta);
    f.key = init_key_file(f.dir);
    f.cert = f.key.substr(0, f.key.size() - 4) + ".crt";
    f.cacert = f.dir + "/cacert.pem";
    f.capath = f.dir + "/certs";
  }
  f.bundle = req.cacert.empty() ? std::string(kSystemCaBundle) : req.cacert;
  f.now = req.now;
  std::string name = fs::path(f.key).filename().string();
  if (name.size() > 4 && name.ends_with(".key")) name.resize(name.size() - 4);
  f.host = validate_host_name(name, "the key's file name").ascii;

  std::vector<ossl::Ptr<X509>> certs = load_certs(req.cert, "certificate", true);
  if (!req.chain.empty()) {
    for (auto& c : load_certs(req.chain, "chain", false)) certs.push_back(std::move(c));
  }
  X509* leaf = certs.front().get();
  std::vector<X509*> chain;
  for (std::size_t i = 1; i < certs.size(); ++i) chain.push_back(certs[i].get());
  const std::string key_path = req.key.empty() ? f.key : req.key;
  ossl::Ptr<EVP_PKEY> key = load_private_key_file(key_path);
  CertInfo info = describe_certificate(leaf, req.now);
  if (!same_public_key(X509_get0_pubkey(leaf), key.get())) {
    throw Error(
        fmt::format("{} does not match the key {} (its public key is another one)", req.cert, key_path), req.cert,
        req.key.empty() ? fmt::format("this certificate was issued for another CSR; submit {}/{}.csr, or give the "
                                      "certificate's own key with --key FILE (certbot: --from-certbot DIR)",
                                      f.dir, f.host)
                        : fmt::format("give the key this certificate was issued for (--key), or the lineage's files"));
  }
  if (!info.names_host(f.host)) {
    throw Error(fmt::format("{} does not name {} (SAN: {})", req.cert, f.host,
                            info.dns_names.empty() ? "none" : fmt::format("{}", fmt::join(info.dns_names, ", "))),
                req.cert,
                fmt::format("peers would reject it: ask the CA for a certificate with the name {} (certbot -d {})",
                            f.host, f.host));
  }
  if (info.not_after_epoch < req.now || info.not_before_epoch > req.now) {
    throw Error(fmt::format("{} is not valid now ({} to {})", req.cert, info.not_before, info.not_after), req.cert,
                info.not_after_epoch < req.now ? "it has expired: renew it (certbot renew --force-renewal)"
                                               : "its validity has not started: check the clock of this machine");
  }
  check_chain(p, leaf, chain);
  if (req.dane) {
    std::vector<X509*> served{leaf};
    served.insert(served.end(), chain.begin(), chain.end());
    DaneGateResult dane = check_dane_gate(*req.dane, served, f.host, req.cert);
    (dane.warning ? p.warnings : p.checks).push_back(std::move(dane.text));
  }
  if (client_side && !info.allows_eku("clientAuth")) {
    p.warnings.push_back(fmt::format(
        "{} has no clientAuth extended key usage: sendmail uses it as its client certificate ({}) too, and peers "
        "that require one will not accept it (the server side is unaffected)",
        req.cert, f.cert));
  }
  for (X509* c : chain) f.chain_pem += certificate_pem(c);
  p.cert_pem = certificate_pem(leaf) + f.chain_pem;
  p.serial = info.serial;
  p.not_after = info.not_after;
  p.certs = certs.size();
  if (!req.key.empty()) {
    p.key_pem = io::read_file(req.key, "key file");
    struct stat st {};
    if (::stat(f.key.c_str(), &st) == 0) p.key_mode = st.st_mode & 07777;
  }
  if (exists(f.cert)) {
    try {
      auto old = load_certs(f.cert, "installed certificate", true);
      p.old_serial = describe_certificate(old.front().get(), req.now).serial;
    } catch (const Error&) {
      // An unreadable old certificate is what a renewal replaces: no serial to report.
    }
  }
  return p;
}

InstallOutcome preview_install(const InstallPlan& p) {
  InstallOutcome o;
  o.outcome = "would-install";
  o.serial = p.serial;
  o.old_serial = p.old_serial;
  o.result.dir = p.files.dir;
  o.result.mc_path = p.files.mc_path;
  o.result.host = p.files.host;
  o.result.dry_run = true;
  o.result.warnings = p.warnings;
  const char* verb = "would write";
  o.result.files.push_back({p.files.cert, 0644, "certificate (leaf and chain)",
                            fmt::format("{} ({} certificate(s), serial {}, ends {}); the old one as {}.prev", verb,
                                        p.certs, p.serial, p.not_after, p.files.cert)});
  if (!p.key_pem.empty())
    o.result.files.push_back({p.files.key, p.key_mode, "private key (the certificate's own)",
                              fmt::format("{}; the old one as {}.prev", verb, p.files.key)});
  o.result.files.push_back({p.files.cacert, 0644, "CA file: the certificate's issuers",
                            fmt::format("would rebuild; the old one as {}.prev", p.files.cacert)});
  o.steps.push_back("checked: key, host name, dates, chain");
  o.steps.insert(o.steps.end(), p.checks.begin(), p.checks.end());
  if (!p.request.reload.empty()) o.steps.push_back("would reload if the pre-flight is clean: " + p.request.reload);
  if (!p.request.probe.empty())
    o.steps.push_back(
        fmt::format("would probe {} for serial {}, rolling back if another is served", p.request.probe, p.serial));
  return o;
}

InstallHooks default_install_hooks() {
  InstallHooks h;
  h.run = [](const std::string& command) { return run_shell_command(command); };
  h.served_serial = [](const InstallPlan& p) {
    ProbeOptions o;
    o.target = p.request.probe;
    o.servername = p.files.host;
    o.cacert = p.files.bundle;
    o.timeout_seconds = p.request.probe_timeout;
    ProbeReport r = probe(o);
    if (r.failure) throw Error(fmt::format("probe {}: {}", p.request.probe, r.failure->message), p.request.probe);
    if (r.chain.empty()) throw Error(fmt::format("probe {}: no certificate served", p.request.probe));
    if (!r.verified) {
      throw Error(fmt::format("probe {}: the served chain does not verify against {}{}", p.request.probe,
                              p.files.bundle, r.verify_errors.empty() ? "" : ": " + r.verify_errors.front().reason));
    }
    if (!r.name_matches)
      throw Error(fmt::format("probe {}: the served certificate does not name {}", p.request.probe, p.files.host));
    return r.chain.front().serial;
  };
  return h;
}

InstallOutcome install(const InstallPlan& p, const InstallHooks& hooks, std::string_view template_text,
                       std::string_view version) {
  InstallOutcome o;
  o.serial = p.serial;
  o.old_serial = p.old_serial;
  const InstalledCert& f = p.files;
  o.steps = p.checks;

  // 1. The previous files kept beside the new ones.
  std::vector<Backup> backups{{f.cert, exists(f.cert)}, {f.cacert, exists(f.cacert)}};
  if (!p.key_pem.empty()) backups.push_back({f.key, exists(f.key)});
  // The CApath directory changes with the issuers: kept whole, to be put back whole.
  const DirSnapshot capath_before = f.capath.empty() ? DirSnapshot{} : snapshot_dir(f.capath);
  for (const auto& b : backups) {
    if (!b.existed) continue;
    copy_file(b.path, b.path + ".prev", "previous file");
    o.steps.push_back(fmt::format("kept {} as {}.prev", b.path, b.path));
  }
  // 2. The new files, each atomically (the key first: a certificate never waits for its key).
  // A write that fails half-way puts the previous files back before the error goes up.
  try {
    if (!p.key_pem.empty()) {
      struct stat st {};
      std::optional<gid_t> group;
      if (::stat(f.key.c_str(), &st) == 0 && st.st_gid != ::getegid()) group = st.st_gid;
      io::write_file_atomic(f.key, p.key_pem, {p.key_mode, true, group, "key file"});
    }
    io::write_file_atomic(f.cert, p.cert_pem, {0644, true, std::nullopt, "certificate"});
    InstalledCert with_lines = f;
    const std::string v(version);
    if (p.mta == Mta::Postfix) {
      with_lines.lines = [v](InitResult& r, const InitLines& l) { postfix_init_lines(r, l, v); };
    } else if (p.mta == Mta::Exim) {
      with_lines.lines = exim_init_lines;
    }
    o.result = finish_install(with_lines, template_text, version);
  } catch (const Error& e) {
    std::vector<std::string> ignored;
    restore(backups, ignored);
    restore_capath(capath_before, ignored);
    throw Error(fmt::format("{} (the previous files are back)", e.what()), e.path(), e.hint());
  }
  o.result.warnings.insert(o.result.warnings.begin(), p.warnings.begin(), p.warnings.end());
  auto& files = o.result.files;
  files.insert(files.begin(),
               {f.cert, 0644, "certificate (leaf and chain)",
                fmt::format("installed ({} certificate(s), serial {}, ends {})", p.certs, p.serial, p.not_after)});
  if (!p.key_pem.empty())
    files.insert(files.begin() + 1, {f.key, p.key_mode, "private key: the certificate's own", "installed"});
  o.steps.push_back(fmt::format("installed serial {} into {}", p.serial, f.cert));

  // 3. Healthy? The pre-flight first, then the reload, then what the server serves.
  std::string why;
  bool reloaded = false;
  if (o.result.blocked) {
    why = "the pre-flight found errors in the new files (below)";
  } else if (!p.request.reload.empty()) {
    const int rc = hooks.run(p.request.reload);
    reloaded = true;
    o.steps.push_back(fmt::format("reload: {} (exit {})", p.request.reload, rc));
    if (rc != 0) why = fmt::format("the reload command exited {}: {}", rc, p.request.reload);
  }
  if (why.empty() && !p.request.probe.empty()) {
    try {
      o.served = hooks.served_serial(p);
      o.steps.push_back(fmt::format("probe {}: serial {} served", p.request.probe, o.served));
      if (o.served != p.serial)
        why = fmt::format("{} still serves serial {}, not the new {} (did the reload command reload it?)",
                          p.request.probe, o.served, p.serial);
    } catch (const Error& e) {
      why = e.what();
      o.steps.push_back(fmt::format("probe {}: {}", p.request.probe, e.what()));
    }
  }
  if (why.empty()) {
    o.outcome = "installed";
    o.result.next_steps.push_back(
        p.request.reload.empty()
            ? fmt::format("Reload {} so that it reads the new files (or give --reload CMD), then: mtlscert "
                          "probe HOST:25",
                          mta_name(p.mta))
            : std::string("Nothing to do: the new certificate is served."));
    return o;
  }

  // 4. Roll back: the previous files, reloaded again, and probed again.
  restore(backups, o.steps);
  restore_capath(capath_before, o.steps);
  if (reloaded) {
    const int rc = hooks.run(p.request.reload);
    o.steps.push_back(fmt::format("reload after rollback: {} (exit {})", p.request.reload, rc));
  }
  if (!p.request.probe.empty() && reloaded) {
    try {
      o.served = hooks.served_serial(p);
      o.steps.push_back(fmt::format("probe {} after rollback: serial {} served", p.request.probe, o.served));
    } catch (const Error& e) {
      o.steps.push_back(fmt::format("probe {} after rollback: {}", p.request.probe, e.what()));
    }
  }
  o.outcome = "rolled-back";
  for (auto& file : o.result.files) {
    if (file.path == f.cert || file.path == f.key || file.path == f.cacert)
      file.status = "rolled back to the previous file";
  }
  o.result.findings.push_back(
      make_finding(Level::Error, "install-rolled-back",
                   fmt::format("serial {} was not kept: {}; the previous files are back{}", p.serial, why,
                               reloaded ? " and reloaded" : ""),
                   fmt::format("fix what is named above, then run the hook again (the refused files stay in {})",
                               p.request.from_certbot.empty() ? p.request.cert : p.request.from_certbot),
                   f.cert));
  return o;
}

std::string to_json(const InstallOutcome& o, std::string_view schema) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(to_json(o.result, schema));
  j["outcome"] = o.outcome;
  j["serial"] = o.serial;
  j["previous_serial"] = o.old_serial;
  j["served_serial"] = o.served;
  j["steps"] = o.steps;
  return j.dump(2);
}

}  // namespace mtlscert
