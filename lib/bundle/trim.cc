// trim.cc: choosing the CAs a clean bundle keeps, and writing it.
#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bundle/bundle.h"
#include "bundle/ca_file.h"
#include "core/error.h"
#include "core/io.h"
#include "core/ossl_error.h"
#include "pki/cert_info.h"
#include "pki/pem_write.h"

namespace mtlscert {
namespace {

// "aa:BB cc" -> "AABBCC"; empty when anything but hex digits, colons and spaces appears.
std::string hex_only(const std::string& text) {
  std::string out;
  for (char ch : text) {
    if (ch == ':' || ch == ' ') continue;
    if (std::isxdigit(static_cast<unsigned char>(ch)) == 0) return {};
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
  }
  return out;
}

bool matches(const BundleCert& c, const std::string& keep) {
  if (c.ref.subject == keep) return true;
  std::string want = hex_only(keep);
  if (want.size() < 8) return false;
  std::string have = hex_only(c.ref.sha256);
  return have.compare(0, want.size(), want) == 0;
}

std::string drop_code(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::PrivateKey: return "private-key";
    case ObjectKind::EncryptedPrivateKey: return "encrypted-private-key";
    case ObjectKind::Csr: return "csr";
    case ObjectKind::Broken: return "unparsable-block";
    default: return "other-object";
  }
}

// Marks the bundle certificates on the verified chain of the certificate in `path`.
void mark_chain(const BundleReport& report, const std::vector<bool>& trusted, const std::string& path, std::int64_t at,
                std::vector<bool>& wanted) {
  PkiFile file = load_objects_file(path, "certificate");
  ossl::OwnedX509Stack untrusted(sk_X509_new_null());
  X509* target = nullptr;
  for (auto& o : file.objects) {
    if (o.kind != ObjectKind::Certificate) continue;
    if (target == nullptr) {
      target = o.cert.get();
    } else {
      sk_X509_push(untrusted.get(), ossl::up_ref(o.cert.get()).release());
    }
  }
  if (target == nullptr) {
    throw Error(fmt::format("certificate file '{}': expected a certificate, found none", path), path,
                "give the server (or client) certificate whose issuers to keep");
  }
  ossl::Ptr<X509_STORE> store(X509_STORE_new());
  std::unordered_map<const X509*, std::size_t> index;
  for (std::size_t k = 0; k < report.certs.size(); ++k) {
    if (!trusted[k]) continue;
    X509_STORE_add_cert(store.get(), report.certs[k].x509);
    index.emplace(report.certs[k].x509, k);
  }
  // A full chain to a root of the bundle, as sendmail verifies; failing that, a
  // chain to an intermediate of the bundle (a bundle of intermediates only).
  ossl::Ptr<X509_STORE_CTX> ctx;
  int err = X509_V_OK;
  for (bool partial : {false, true}) {
    ctx.reset(X509_STORE_CTX_new());
    if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), target, untrusted.get()) != 1) {
      throw Error("out of memory while building a certificate chain");
    }
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(at));
    if (partial) X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
    if (X509_verify_cert(ctx.get()) == 1) {
      err = X509_V_OK;
      break;
    }
    if (err == X509_V_OK) err = X509_STORE_CTX_get_error(ctx.get());
  }
  if (err != X509_V_OK) {
    ossl::clear_errors();
    throw Error(fmt::format("certificate file '{}': no chain to a CA of '{}': {}", path, report.file.path,
                            X509_verify_cert_error_string(err)),
                path,
                "the bundle lacks its issuer (or the issuer expired); add the CA, or put the intermediate after the "
                "certificate in that file");
  }
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
  for (int i = 0; i < sk_X509_num(chain); ++i) {
    auto it = index.find(sk_X509_value(chain, i));
    if (it != index.end()) wanted[it->second] = true;
  }
}

}  // namespace

Selection select_cas(const BundleReport& report, const SelectOptions& options) {
  const auto& certs = report.certs;
  std::size_t n = certs.size();
  std::vector<bool> duplicate(n, false), clean(n, false), requested(n, false);
  std::unordered_map<std::string, std::size_t> first;
  for (std::size_t k = 0; k < n; ++k) {
    duplicate[k] = !first.emplace(certs[k].ref.sha256, k).second;
    clean[k] = !duplicate[k] && certs[k].not_after >= options.at && certs[k].is_ca;
  }
  bool selective = !options.keep.empty() || !options.keep_issuers_of.empty();
  std::vector<bool> wanted(n, !selective);
  for (const auto& keep : options.keep) {
    bool found = false;
    for (std::size_t k = 0; k < n; ++k) {
      if (!duplicate[k] && matches(certs[k], keep)) found = requested[k] = wanted[k] = true;
    }
    if (!found) {
      throw Error(
          fmt::format("--keep '{}': no certificate of '{}' has this fingerprint or subject", keep, report.file.path),
          report.file.path, "run mtlscert bundle check --json FILE to see every fingerprint and subject");
    }
  }
  for (const auto& path : options.keep_issuers_of) mark_chain(report, clean, path, options.at, wanted);

  Selection sel;
  std::size_t k = 0;
  for (std::size_t i = 0; i < report.file.objects.size(); ++i) {
    const PkiObject& o = report.file.objects[i];
    Dropped d;
    d.line = o.line;
    if (o.kind != ObjectKind::Certificate) {
      d.cert.index = -1;
      d.code = drop_code(o.kind);
      d.reason = o.kind == ObjectKind::Broken ? fmt::format("a {} block that does not parse ({})", o.label, o.problem)
                                              : fmt::format("a {} block, not a certificate", o.label);
      sel.dropped.push_back(std::move(d));
      continue;
    }
    const BundleCert& c = certs[k];
    d.cert = c.ref;
    bool expired = c.not_after < options.at;
    if (duplicate[k]) {
      d.code = "duplicate";
      d.reason = fmt::format("the same certificate as #{}", certs[first[c.ref.sha256]].ref.index);
    } else if (requested[k]) {
      if (expired) sel.notes.push_back(fmt::format("kept on request although expired: {}", c.ref.subject));
      if (!c.is_ca) sel.notes.push_back(fmt::format("kept on request although not a CA: {}", c.ref.subject));
    } else if (expired) {
      d.code = "expired";
      d.reason = fmt::format("expired on {}", iso8601(c.not_after));
    } else if (!c.is_ca) {
      d.code = "not-ca";
      d.reason = c.has_basic_constraints ? "not a CA (CA:FALSE)" : "not a CA (no basicConstraints)";
    } else if (!wanted[k]) {
      d.code = "not-selected";
      d.reason = "not on the chain of a --keep-issuers-of certificate, nor named by --keep";
    }
    if (d.code.empty()) {
      sel.kept.push_back(k);
    } else {
      sel.dropped.push_back(std::move(d));
    }
    ++k;
  }
  return sel;
}

std::string pem_bundle(const BundleReport& report, const std::vector<std::size_t>& kept) {
  std::string out;
  for (std::size_t k : kept) {
    const BundleCert& c = report.certs[k];
    out += fmt::format("# {}\n", c.ref.subject);
    out += certificate_pem(c.x509);
  }
  return out;
}

CaListSize measure_kept(const BundleReport& report, const std::vector<std::size_t>& kept) {
  // The file that will be written, read as OpenSSL reads it (ca_file.h): one truth.
  return read_ca_file(pem_bundle(report, kept)).list();
}

TrimResult trim_bundle(const TrimRequest& req) {
  BundleCheckOptions check;
  check.at = req.select.at;
  check.x509 = true;
  BundleReport report = check_bundle_file(req.path, check);
  if (report.no_certificate()) {
    throw Error(fmt::format("CA bundle '{}': expected certificates, found none", req.path), req.path);
  }
  Selection sel = select_cas(report, req.select);
  if (sel.kept.empty()) {
    throw Error(fmt::format("CA bundle '{}': no certificate left to keep, nothing written", req.path), req.path,
                "every certificate was expired, not a CA, or not selected; see mtlscert bundle check");
  }
  TrimResult r;
  r.path = req.path;
  r.out = req.out;
  r.certificates = report.certs.size();
  r.before = report.list;
  r.after = measure_kept(report, sel.kept);
  for (std::size_t k : sel.kept) r.kept.push_back(report.certs[k].ref);
  r.dropped = std::move(sel.dropped);
  r.notes = std::move(sel.notes);
  r.pem = pem_bundle(report, sel.kept);
  if (req.out != "-") {
    r.warnings = io::write_file_atomic(
        req.out, r.pem,
        {.mode = 0644, .overwrite = req.overwrite, .group = {}, .role = "CA bundle", .dry_run = req.dry_run});
  }
  for (const auto& f : judge_ca_list_size(r.after, {}, "the trimmed bundle")) {
    if (f.level != Level::Notice) r.warnings.push_back(f.message);
  }
  return r;
}

void to_json(nlohmann::ordered_json& j, const Dropped& d) {
  j = nlohmann::ordered_json{
      {"code", d.code},
      {"reason", d.reason},
      {"line", d.line},
      {"certificate", d.cert.index < 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(d.cert)}};
}

std::string to_json(const TrimResult& r) {
  using json = nlohmann::ordered_json;
  json doc{{"schema", "mtlscert.bundle-trim/1"},
           {"path", r.path},
           {"out", r.out},
           {"certificates", r.certificates},
           {"kept", r.kept},
           {"dropped", r.dropped},
           {"notes", r.notes},
           {"ca_list_bytes_before", r.before.list_bytes},
           {"ca_list_bytes_after", r.after.list_bytes},
           // The product itself only when it goes to standard output (-o -).
           {"pem", r.out == "-" ? json(r.pem) : json(nullptr)},
           {"warnings", r.warnings}};
  return doc.dump(2);
}

}  // namespace mtlscert
