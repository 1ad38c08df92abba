// check.cc: a CA bundle judged as confCACERT.
#include <openssl/err.h>
#include <openssl/objects.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bundle/bundle.h"
#include "bundle/bundle_stream.h"
#include "core/io.h"
#include "core/ossl_error.h"
#include "core/parallel.h"
#include "pki/cert_info.h"
#include "sendmail/options.h"

namespace mtlscert {
namespace {

constexpr std::int64_t kDay = 86400;

// Paths of full distribution trust bundles (Debian/Ubuntu, Fedora/RHEL, SUSE, Alpine, BSD).
const char* const kSystemStores[] = {
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
    "/usr/share/ssl/certs/ca-bundle.crt",
    "/usr/local/share/certs/ca-root-nss.crt",
};

// The facts check, trim and split need, read from one certificate. No per-run work here.
void describe(const PkiObject& o, int index, bool names, BundleCert& c) {
  const CertView& v = o.view;
  c.view = &v;
  c.x509 = o.cert.get();
  c.ref.index = index;
  c.ref.line = o.line;
  if (names) c.ref.subject = name_rfc2253(v.subject().get());
  c.ref.sha256 = hex_fingerprint(o.sha256);
  c.self_issued = v.self_issued;
  c.not_before = v.not_before;
  c.not_after = v.not_after;
  c.has_basic_constraints = v.has_basic_constraints;
  c.is_ca = v.is_ca;
  c.key_label = v.key_label;
  const char* ln = OBJ_nid2ln(v.signature_nid);
  c.signature_algorithm = ln != nullptr ? ln : "unknown";
}

// A finding about the file, or (index >= 0) about one of its non-certificate objects.
Finding file_finding(Level level, std::string code, std::string message, std::string hint, const std::string& path,
                     std::size_t line = 0, int index = -1) {
  Finding f;
  f.level = level;
  f.code = std::move(code);
  f.message = std::move(message);
  f.hint = std::move(hint);
  f.path = path;
  f.cert.line = line;
  f.cert.index = index;
  return f;
}

Finding cert_finding(Level level, std::string code, std::string message, std::string hint, const BundleCert& c,
                     const std::string& path) {
  Finding f = file_finding(level, std::move(code), std::move(message), std::move(hint), path);
  f.cert = c.ref;
  return f;
}

// Digest of the signature: MD5 and SHA-1 are refused by OpenSSL at Debian's security level 2.
int signature_digest(int signature_nid) {
  int md = NID_undef, pk = NID_undef;
  if (OBJ_find_sigid_algs(signature_nid, &md, &pk) != 1) return NID_undef;
  return md;
}

void check_certificate(const BundleCert& c, const BundleCheckOptions& opt, const std::string& path,
                       std::vector<Finding>& out) {
  if (c.not_after < opt.at) {
    out.push_back(cert_finding(Level::Warn, "expired",
                               fmt::format("expired on {}: it verifies nothing{}", iso8601(c.not_after),
                                           c.sent ? ", yet its name is still sent" : ""),
                               "remove it (mtlscert bundle trim drops expired certificates)", c, path));
  } else if (c.not_before > opt.at) {
    out.push_back(cert_finding(Level::Warn, "not-yet-valid", fmt::format("not valid before {}", iso8601(c.not_before)),
                               "check the system clock, or keep it only if it replaces a CA soon", c, path));
  } else if (c.not_after - opt.at < static_cast<std::int64_t>(opt.expiring_days) * kDay) {
    out.push_back(
        cert_finding(Level::Notice, "expiring",
                     fmt::format("expires on {}, in {} days", iso8601(c.not_after), (c.not_after - opt.at) / kDay),
                     "add its successor to the bundle before then", c, path));
  }
  if (!c.is_ca) {
    out.push_back(cert_finding(
        Level::Warn, "not-ca",
        c.has_basic_constraints ? "not a CA (basicConstraints CA:FALSE): it cannot issue the certificates it is "
                                  "trusted for, and its name only lengthens the CA list"
                                : "not a CA (no basicConstraints): OpenSSL does not accept it as an issuer",
        fmt::format("keep CA certificates only in {}; a server's own certificate belongs in {}",
                    sendmail_macro(SendmailOption::CaCert), sendmail_macro(SendmailOption::ServerCert)),
        c, path));
  }
  if (!c.self_issued) {
    int md = signature_digest(c.view->signature_nid);
    if (md == NID_md5 || md == NID_md2 || md == NID_md4) {
      out.push_back(cert_finding(Level::Error, "weak-signature",
                                 fmt::format("signed with {}: broken, and refused by OpenSSL", c.signature_algorithm),
                                 "replace it with the CA's SHA-256 certificate", c, path));
    } else if (md == NID_sha1) {
      out.push_back(cert_finding(Level::Warn, "weak-signature",
                                 fmt::format("signed with {}: OpenSSL refuses SHA-1 signatures at security level 2 "
                                             "(Debian's default), so chains through it fail",
                                             c.signature_algorithm),
                                 "replace it with the CA's SHA-256 certificate", c, path));
    }
  }
  {
    int bits = c.view->key_bits;
    int id = c.view->key_nid;
    bool weak = (id == NID_rsaEncryption || id == NID_rsassaPss || id == NID_dsa)
                    ? bits < kMinRsaBits
                    : (id == NID_X9_62_id_ecPublicKey && bits < 256);
    if (weak && bits > 0) {
      out.push_back(
          cert_finding(Level::Warn, "weak-key",
                       fmt::format("{} key: below OpenSSL's security level 2 (RSA 2048, EC 256)", c.key_label),
                       "replace it with the CA's current certificate", c, path));
    }
  }
}

// Which objects' names SSL_load_client_CA_file sends: the k-th certificate it read is the
// next certificate object with the same fingerprint, in file order.
std::vector<char> sent_objects(const PkiFile& file, const CaFile& ca) {
  std::vector<char> sent(file.objects.size(), 0);
  std::size_t p = 0;
  for (std::size_t i = 0; i < file.objects.size() && p < ca.read.size(); ++i) {
    const PkiObject& o = file.objects[i];
    if (o.kind != ObjectKind::Certificate || o.sha256 != ca.read[p].sha256) continue;
    sent[i] = ca.read[p].name_sent ? 1 : 0;
    ++p;
  }
  return sent;
}

// What sendmail logs when OpenSSL cannot load path as its CA file (the CA directory unknown here).
std::string ca_file_unusable_log(const std::string& path) {
  const MtaOption& ca = sendmail_option(SendmailOption::CaCert);
  return option_log(ca, ca.log_when_unusable, path, "server",
                    fmt::format("<{}>", sendmail_macro(SendmailOption::CaCertPath)));
}

bool from_pkcs7(const PkiObject& o) { return o.label == "PKCS7" || o.label == "CERTIFICATE CHAIN"; }

// The verdicts on the whole file, from what OpenSSL makes of it (read_ca_file).
void whole_file_verdicts(const BundleReport& r, std::vector<Finding>& out) {
  const std::string& path = r.file.path;
  if (!r.ca.loads) {
    out.push_back(file_finding(
        Level::Error, "does-not-load",
        fmt::format("OpenSSL cannot load this file as a CA file (SSL_CTX_load_verify_locations fails): sendmail "
                    "does not offer STARTTLS with it as {}",
                    sendmail_macro(SendmailOption::CaCert)),
        r.certs.empty() ? "put the CA certificates in it as PEM CERTIFICATE blocks"
                        : "write the certificates that parse as plain PEM: mtlscert bundle trim " + path +
                              " -o OUT.pem, then check OUT.pem",
        path));
    out.back().sendmail_log = ca_file_unusable_log(path);
  } else if (r.ca.names.empty()) {
    out.push_back(file_finding(
        Level::Error, "no-names-sent",
        "OpenSSL loads the file, but SSL_load_client_CA_file reads no PEM CERTIFICATE block from it: sendmail "
        "asks clients for a certificate with an empty CA list, and clients that pick their certificate by CA "
        "send none",
        "write the CAs as plain PEM CERTIFICATE blocks: mtlscert bundle trim " + path + " -o OUT.pem", path));
    out.back().sendmail_log = "STARTTLS=server, relay=..., version=..., verify=NO";
  }
  if (r.certs.empty()) return;
  bool any_ca = false, all_pkcs7 = true;
  for (const auto& c : r.certs) {
    any_ca = any_ca || c.is_ca;
    all_pkcs7 = all_pkcs7 && from_pkcs7(r.file.objects[static_cast<std::size_t>(c.ref.index)]);
  }
  if (!any_ca) {
    out.push_back(file_finding(Level::Error, "no-ca-certificate",
                               "no CA certificate in the file (none has basicConstraints CA:TRUE): no client "
                               "certificate verifies against it",
                               "put the CA that issued your certificate and the CAs of your clients in it", path));
    out.back().sendmail_log = "STARTTLS=server, relay=..., version=..., verify=FAIL";
  }
  if (all_pkcs7) {
    out.push_back(file_finding(Level::Error, "pkcs7-only",
                               "the certificates are in PKCS#7 only: OpenSSL sends none of their names and does not "
                               "load them as CA certificates",
                               "convert it: mtlscert bundle trim " + path + " -o OUT.pem writes plain PEM", path));
    out.back().sendmail_log = ca_file_unusable_log(path);
  }
}

void check_objects(const PkiFile& file, const CaFile& ca, std::vector<Finding>& out) {
  for (std::size_t i = 0; i < file.objects.size(); ++i) {
    const PkiObject& o = file.objects[i];
    std::string where = o.line != 0 ? fmt::format("line {}", o.line) : "the file";
    Finding f;
    switch (o.kind) {
      case ObjectKind::PrivateKey:
        f = file_finding(Level::Error, "private-key",
                         fmt::format("{}: a private key ({}) inside the CA bundle, readable by everyone who may "
                                     "read the bundle",
                                     where, o.label),
                         fmt::format("remove it now and consider the key exposed; keys belong in {} (mode 0600)",
                                     sendmail_macro(SendmailOption::ServerKey)),
                         file.path, o.line, static_cast<int>(i));
        break;
      case ObjectKind::EncryptedPrivateKey:
        f = file_finding(Level::Error, "encrypted-private-key",
                         fmt::format("{}: an encrypted private key inside the CA bundle", where),
                         fmt::format("remove it; sendmail reads only unencrypted keys, from {}",
                                     sendmail_macro(SendmailOption::ServerKey)),
                         file.path, o.line, static_cast<int>(i));
        break;
      case ObjectKind::Csr:
        // OpenSSL skips a CSR block (or fails on it: then does-not-load says so).
        f = file_finding(Level::Warn, "csr", fmt::format("{}: a certificate request (CSR) inside the CA bundle", where),
                         "remove it; a CSR is sent to a CA, it is not a certificate", file.path, o.line,
                         static_cast<int>(i));
        break;
      case ObjectKind::Broken:
        // Whether OpenSSL can still load the file is the whole-file verdict's (does-not-load).
        f = file_finding(Level::Warn, "unparsable-block",
                         fmt::format("{}: a {} block does not parse ({}){}", where, o.label, o.problem,
                                     ca.loads ? "; OpenSSL still loads the file, but may send fewer names"
                                              : "; OpenSSL cannot load the file"),
                         "remove or replace the block (mtlscert bundle trim drops it)", file.path, o.line,
                         static_cast<int>(i));
        break;
      case ObjectKind::PublicKey:
      case ObjectKind::Crl:
      case ObjectKind::Other:
        f = file_finding(Level::Notice, "other-object",
                         fmt::format("{}: a {} block, ignored in the CA list", where, o.label.empty() ? "?" : o.label),
                         "remove it to keep the bundle plain", file.path, o.line, static_cast<int>(i));
        break;
      case ObjectKind::Certificate:
        if (file.format == FileFormat::Pem &&
            (o.label == "TRUSTED CERTIFICATE" || o.label == "PKCS7" || o.label == "CERTIFICATE CHAIN")) {
          f = file_finding(Level::Warn, "not-in-ca-list",
                           fmt::format("{}: a certificate in a {} block: trusted for verification only if PEM, "
                                       "but never sent in the CA list",
                                       where, o.label),
                           "re-export it as a plain CERTIFICATE block (mtlscert bundle trim does)", file.path, o.line,
                           static_cast<int>(i));
        }
        break;
    }
    if (!f.code.empty()) out.push_back(std::move(f));
  }
}

// Findings that repeat (a code met more than kGroupAfter times) become one finding with
// the count and the first few lines; the JSON keeps every position. A 60 MB bundle of 3
// certificates repeated 22,582 times prints one duplicate finding, not 67,743.
constexpr std::size_t kGroupAfter = 3;
constexpr std::size_t kLinesShown = 5;

void group_repeats(std::vector<Finding>& findings, std::vector<std::vector<CertRef>>& more_of) {
  std::unordered_map<std::string, std::size_t> count;
  for (const auto& f : findings) ++count[f.code];
  std::unordered_map<std::string, std::size_t> first;
  std::vector<Finding> out;
  std::vector<std::vector<CertRef>> more;
  for (auto& f : findings) {
    auto [it, fresh] = first.emplace(f.code, out.size());
    if (count[f.code] <= kGroupAfter || fresh) {
      out.push_back(std::move(f));
      more.emplace_back();
    } else {
      more[it->second].push_back(f.cert);
    }
  }
  for (std::size_t k = 0; k < out.size(); ++k) {
    if (more[k].empty()) continue;
    std::string lines = fmt::format("{}", out[k].cert.line);
    for (std::size_t i = 0; i < more[k].size() && i + 1 < kLinesShown; ++i)
      lines += fmt::format(", {}", more[k][i].line);
    if (more[k].size() + 1 > kLinesShown) lines += ", …";
    out[k].message += fmt::format(" [{} times in all, at lines {}; --json lists every position]",
                                  with_commas(more[k].size() + 1), lines);
  }
  findings = std::move(out);
  more_of = std::move(more);
}

}  // namespace

std::string subject_of(const BundleCert& cert) {
  return cert.ref.subject.empty() ? name_rfc2253(cert.view->subject().get()) : cert.ref.subject;
}

bool is_system_trust_store(const std::string& path) {
  char* resolved = realpath(path.c_str(), nullptr);
  std::string real = resolved != nullptr ? resolved : path;
  std::free(resolved);
  for (const char* store : kSystemStores) {
    if (path == store || real == store) return true;
    char* r = realpath(store, nullptr);
    bool same = r != nullptr && real == r;
    std::free(r);
    if (same) return true;
  }
  return false;
}

bool looks_like_system_trust_store(const std::string& path, std::size_t certificates, std::size_t threshold) {
  return is_system_trust_store(path) || certificates > threshold;
}

namespace {

// duplicate_subjects: the notices for certificates of one subject hash (in file order)
// whose subjects X509_NAME_cmp finds equal: each one after the first of its name.
void duplicate_subjects(std::vector<std::size_t> group, const BundleReport& report, const std::string& path,
                        std::vector<std::vector<Finding>>& per_cert) {
  std::vector<ossl::Ptr<X509_NAME>> names(group.size());
  std::vector<std::size_t> slot(group.size());
  for (std::size_t i = 0; i < group.size(); ++i) {
    names[i] = report.certs[group[i]].view->subject();
    slot[i] = i;
  }
  auto cmp = [&](std::size_t a, std::size_t b) { return X509_NAME_cmp(names[a].get(), names[b].get()); };
  std::stable_sort(slot.begin(), slot.end(), [&](std::size_t a, std::size_t b) { return cmp(a, b) < 0; });
  for (std::size_t n = 1; n < slot.size(); ++n) {
    if (cmp(slot[n - 1], slot[n]) != 0) continue;
    std::size_t a = group[slot[n - 1]], b = group[slot[n]];
    if (report.certs[a].ref.sha256 == report.certs[b].ref.sha256) continue;  // already a duplicate
    std::size_t later = std::max(a, b), earlier = std::min(a, b);
    bool same_der = report.certs[a].view->subject_der == report.certs[b].view->subject_der;
    per_cert[later].push_back(cert_finding(
        Level::Notice, "duplicate-subject",
        fmt::format("same subject as the certificate at line {} (#{}), another key or validity: {}",
                    report.certs[earlier].ref.line, report.certs[earlier].ref.index,
                    same_der ? "the name is sent once"
                             : "its encoding differs (case or string type), so OpenSSL sends the name twice"),
        "keep both only during a CA's key rollover", report.certs[later], path));
  }
}

// judge fills the report from report.ca and report.file (read from the whole bytes or piecewise).
void judge(BundleReport& report, const BundleCheckOptions& opt) {
  report.at = opt.at;
  const PkiFile& f = report.file;
  const std::string& path = f.path;

  std::vector<std::size_t> cert_objects;
  for (std::size_t i = 0; i < f.objects.size(); ++i) {
    if (f.objects[i].kind == ObjectKind::Certificate) cert_objects.push_back(i);
  }
  report.certs.resize(cert_objects.size());
  std::vector<char> sent = sent_objects(f, report.ca);
  std::vector<std::vector<Finding>> per_cert(cert_objects.size());
  detail::parallel_for(cert_objects.size(), 256, [&](std::size_t begin, std::size_t end) {
    for (std::size_t k = begin; k < end; ++k) {
      std::size_t i = cert_objects[k];
      describe(f.objects[i], static_cast<int>(i), opt.x509, report.certs[k]);
      report.certs[k].sent = sent[i] != 0;
      check_certificate(report.certs[k], opt, path, per_cert[k]);
      if (!per_cert[k].empty() && report.certs[k].ref.subject.empty()) {
        report.certs[k].ref.subject = subject_of(report.certs[k]);
        for (auto& finding : per_cert[k]) finding.cert.subject = report.certs[k].ref.subject;
      }
    }
    ossl::clear_errors();
  });

  report.list = report.ca.list();
  report.verdict = ca_list_verdict(report.list, opt.thresholds);

  std::vector<Finding>& out = report.findings;
  whole_file_verdicts(report, out);
  if (report.certs.empty()) {
    out.push_back(file_finding(Level::Error, "no-certificate",
                               f.format == FileFormat::Unknown
                                   ? "no certificate: the file is neither PEM, DER nor PKCS#7"
                                   : "no certificate in the file",
                               fmt::format("{} must hold at least the CA that issued your certificate",
                                           sendmail_macro(SendmailOption::CaCert)),
                               path));
  }
  if (f.format == FileFormat::Der || f.format == FileFormat::Pkcs7Der) {
    out.push_back(file_finding(Level::Error, "not-pem",
                               fmt::format("the file is {}: sendmail reads {} as PEM only, so it sends no CA "
                                           "list and fails to load its trust store",
                                           file_format_name(f.format), sendmail_macro(SendmailOption::CaCert)),
                               "convert it to PEM: mtlscert bundle trim FILE -o OUT.pem", path));
  }
  auto size = judge_ca_list_size(report.list, opt.thresholds, sendmail_macro(SendmailOption::CaCert));
  for (auto& s : size) {
    s.path = path;
    if (s.code == "ca-list-warn")
      s.sendmail_log = "SSL3_READ_BYTES:sslv3 alert illegal parameter ... SSL alert number 47";
    out.push_back(std::move(s));
  }
  bool store = looks_like_system_trust_store(path, report.certs.size(), opt.system_store_certificates);
  if (store) {
    out.push_back(file_finding(
        Level::Warn, "system-trust-store",
        fmt::format("this is a system trust store ({} certificates): as {} every one of their names is "
                    "sent to every client",
                    report.certs.size(), sendmail_macro(SendmailOption::CaCert)),
        fmt::format("use it for verification as {} (/etc/ssl/certs) and keep {} short (mtlscert bundle split)",
                    sendmail_macro(SendmailOption::CaCertPath), sendmail_macro(SendmailOption::CaCert)),
        path));
  } else if (report.certs.size() > opt.many_certificates) {
    out.push_back(file_finding(Level::Notice, "many-certificates",
                               fmt::format("{} certificates: an MTA needs the issuers of its own certificate and the "
                                           "CAs of the client certificates it accepts, usually 1 to 3",
                                           report.certs.size()),
                               fmt::format("keep only those in {} (mtlscert bundle trim --keep-issuers-of CERT)",
                                           sendmail_macro(SendmailOption::CaCert)),
                               path));
  }
  check_objects(f, report.ca, out);

  // Identical certificates, then distinct certificates sharing one subject.
  std::unordered_map<std::string, std::size_t> seen;
  for (std::size_t k = 0; k < report.certs.size(); ++k) {
    const BundleCert& c = report.certs[k];
    auto [it, fresh] = seen.emplace(c.ref.sha256, k);
    if (!fresh) {
      const BundleCert& first = report.certs[it->second];
      per_cert[k].push_back(
          cert_finding(Level::Notice, "duplicate-certificate",
                       fmt::format("the same certificate as line {} (#{})", first.ref.line, first.ref.index),
                       "remove the second copy", c, path));
    }
  }
  // Distinct certificates sharing one subject as X509_NAME_cmp sees it (case and string
  // type aside). Views keep names as DER: certificates are grouped by the hash of the
  // canonical name, and only the names of one hash are decoded and compared.
  std::vector<std::size_t> order(report.certs.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  auto hash = [&](std::size_t k) { return report.certs[k].view->subject_hash; };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return hash(a) < hash(b); });
  for (std::size_t run = 0, end = 0; run < order.size(); run = end) {
    for (end = run + 1; end < order.size() && hash(order[end]) == hash(order[run]);) ++end;
    if (end - run > 1) duplicate_subjects({order.begin() + run, order.begin() + end}, report, path, per_cert);
  }
  for (std::size_t k = 0; k < per_cert.size(); ++k) {
    for (auto& finding : per_cert[k]) {
      if (finding.cert.subject.empty()) finding.cert.subject = subject_of(report.certs[k]);
      out.push_back(std::move(finding));
    }
  }
  group_repeats(out, report.grouped);
  ossl::clear_errors();
}

}  // namespace

BundleReport check_bundle(std::string_view bytes, const std::string& path, const BundleCheckOptions& opt) {
  BundleReport report;
  report.ca = read_ca_file(bytes);
  report.file = load_objects(bytes, path, {.x509 = opt.x509});
  judge(report, opt);
  return report;
}

BundleReport check_bundle_file(const std::string& path, const BundleCheckOptions& options) {
  // A large bundle is read piece by piece: the whole file is never held next to its
  // decoded certificates (the same answer; bundle_stream.h).
  BundleReport report;
  if (detail::read_bundle_streamed(path, kBundleMaxInput, {.x509 = options.x509}, report.ca, report.file)) {
    judge(report, options);
    return report;
  }
  return check_bundle(io::read_file(path, "CA bundle", kBundleMaxInput), path, options);
}

namespace {

// The findings, each grouped one with "count" and every "positions" entry.
nlohmann::ordered_json findings_json(const BundleReport& r) {
  using json = nlohmann::ordered_json;
  json all = json::array();
  for (std::size_t k = 0; k < r.findings.size(); ++k) {
    json j = r.findings[k];
    if (k < r.grouped.size() && !r.grouped[k].empty()) {
      j["count"] = 1 + r.grouped[k].size();
      json positions = json::array();
      positions.push_back({{"index", r.findings[k].cert.index}, {"line", r.findings[k].cert.line}});
      for (const auto& c : r.grouped[k]) positions.push_back({{"index", c.index}, {"line", c.line}});
      j["positions"] = std::move(positions);
    }
    all.push_back(std::move(j));
  }
  return all;
}

}  // namespace

std::string to_json(const BundleReport& r) {
  using json = nlohmann::ordered_json;
  json certs = json::array();
  for (const auto& c : r.certs) {
    ossl::Ptr<X509_NAME> issuer = c.view->issuer();
    certs.push_back(json{{"index", c.ref.index},
                         {"line", c.ref.line},
                         {"subject", subject_of(c)},
                         {"issuer", issuer ? name_rfc2253(issuer.get()) : std::string("?")},
                         {"sha256", c.ref.sha256},
                         {"sent", c.sent},
                         {"ca", c.is_ca},
                         {"not_before", iso8601(c.not_before)},
                         {"not_after", iso8601(c.not_after)},
                         {"key", c.key_label},
                         {"signature_algorithm", c.signature_algorithm}});
  }
  json doc{{"schema", "mtlscert.bundle-check/1"},
           {"path", r.file.path},
           {"format", file_format_name(r.file.format)},
           {"at", iso8601(r.at)},
           {"certificates", r.certs.size()},
           {"ca_list", r.list},
           {"loads", r.ca.loads},
           {"certificate_request", json{{"tls1.2", certificate_request_size(r.list).tls12},
                                        {"tls1.3", certificate_request_size(r.list).tls13}}},
           {"verdict", r.verdict},
           {"worst", r.findings.empty() ? json(nullptr) : json(level_name(worst_level(r.findings)))},
           {"findings", findings_json(r)},
           {"certificate_list", std::move(certs)}};
  return doc.dump(2);
}

}  // namespace mtlscert
