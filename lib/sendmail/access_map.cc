#include "sendmail/access_map.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <openssl/err.h>

#include <cctype>
#include <memory>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io.h"
#include "pki/cert_info.h"
#include "pki/names.h"
#include "pki/objects.h"

namespace mtlscert {
namespace {

std::vector<ossl::Ptr<X509>> load_certs(const std::string& path, std::string_view role) {
  PkiFile file = load_objects_file(path, role);
  std::vector<ossl::Ptr<X509>> certs;
  for (auto& o : file.objects) {
    if (o.kind == ObjectKind::Certificate && o.cert) certs.push_back(std::move(o.cert));
  }
  if (certs.empty()) {
    throw Error(fmt::format("{} {} holds no certificate", role, path), path,
                "give a PEM or DER certificate file (mtlscert inspect shows what the file holds)");
  }
  return certs;
}

bool oneline_truncated(const X509_NAME* name, const std::string& oneline) {
  // A bigger buffer shows whether libcrypto dropped trailing RDNs to fit 256 bytes.
  char big[4096];
  X509_NAME_oneline(name, big, sizeof big);
  return oneline != big;
}

void add_unique(AccessResult& r, std::set<std::string>& seen, AccessLine line) {
  if (seen.insert(line.key).second) r.lines.push_back(std::move(line));
}

void note_name(AccessResult& r, const X509_NAME* name, const std::string& path) {
  const std::string one = sendmail_oneline(name);
  if (oneline_truncated(name, one)) {
    r.findings.push_back(Finding{.level = Level::Warn,
                                 .code = "access-name-truncated",
                                 .message = fmt::format("the name {} is longer than sendmail's 256-byte buffer: its "
                                                        "last RDNs are left out of the key, exactly as sendmail "
                                                        "leaves them out",
                                                        name_rfc2253(name)),
                                 .hint = "other certificates that differ only in those RDNs match the same line",
                                 .path = path,
                                 .cert = {},
                                 .sendmail_log = {}});
  }
}

}  // namespace

std::string sendmail_xtext(std::string_view raw) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(raw.size());
  for (unsigned char c : raw) {
    if (c < 0x21 || c > 0x7e || c == '+' || c == '\\' || c == '(' || c == ')' || c == '<' || c == '>' || c == '"') {
      out.push_back('+');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string sendmail_oneline(const X509_NAME* name) {
  char buf[256];  // sendmail: char buf[MAXNAME] with MAXNAME 256 (conf.h)
  if (X509_NAME_oneline(name, buf, sizeof buf) == nullptr) return {};
  return buf;
}

std::string sendmail_name_key(const X509_NAME* name) { return sendmail_xtext(sendmail_oneline(name)); }

void check_access_policy(std::string_view policy) {
  auto bits_ok = [](std::string_view s) {
    if (s.empty() || s.size() > 5) return false;
    for (char c : s) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    }
    return true;
  };
  if (policy == "VERIFY") return;
  if (policy.rfind("VERIFY:", 0) == 0 && bits_ok(policy.substr(7))) return;
  if (policy.rfind("ENCR:", 0) == 0 && bits_ok(policy.substr(5))) return;
  throw Error(fmt::format("--policy: '{}' is not VERIFY, VERIFY:BITS or ENCR:BITS", policy), "",
              "e.g. --policy VERIFY:128 (verified certificate, at least 128-bit cipher) or --policy ENCR:128");
}

namespace {

// Every certificate of the hashed trust store filed under name's hash (openssl rehash links
// HASH.0, HASH.1, …): the ones whose subject is name.
template <typename Visit>
bool any_in_store(const X509_NAME* name, const std::string& dir, Visit visit) {
  int ok = 0;
  unsigned long h = X509_NAME_hash_ex(name, nullptr, nullptr, &ok);
  if (!ok) return false;
  for (int i = 0; i < 16; ++i) {
    const std::string path = fmt::format("{}/{:08x}.{}", dir, h, i);
    std::string bytes;
    try {
      bytes = io::read_file(path, "trust store certificate", 1u << 20);
    } catch (const Error&) {
      return false;  // no more links with this hash
    }
    PkiFile f = load_objects(bytes, path);
    for (const auto& o : f.objects) {
      if (o.cert && X509_NAME_cmp(X509_get_subject_name(o.cert.get()), name) == 0 && visit(o.cert.get())) return true;
    }
  }
  return false;
}

// The CA/Browser Forum's certificate policies (2.23.140.1.*): only publicly-trusted CAs put
// them in a certificate (Baseline Requirements 7.1.6.4).
bool has_cabf_policy(X509* cert) {
  struct FreePolicies {
    void operator()(CERTIFICATEPOLICIES* p) const noexcept { CERTIFICATEPOLICIES_free(p); }
  };
  std::unique_ptr<CERTIFICATEPOLICIES, FreePolicies> policies(
      static_cast<CERTIFICATEPOLICIES*>(X509_get_ext_d2i(cert, NID_certificate_policies, nullptr, nullptr)));
  if (!policies) return false;
  for (int i = 0; i < sk_POLICYINFO_num(policies.get()); ++i) {
    char oid[128];
    OBJ_obj2txt(oid, sizeof oid, sk_POLICYINFO_value(policies.get(), i)->policyid, 1);
    if (std::string_view(oid).rfind("2.23.140.1.", 0) == 0) return true;
  }
  return false;
}

}  // namespace

bool is_public_ca(const X509_NAME* name, X509* cert, const std::string& dir) {
  if (dir.empty()) return false;
  auto in_store = [&dir](const X509_NAME* n) { return any_in_store(n, dir, [](X509*) { return true; }); };
  if (in_store(name)) return true;
  if (cert != nullptr && X509_NAME_cmp(X509_get_issuer_name(cert), X509_get_subject_name(cert)) != 0) {
    return in_store(X509_get_issuer_name(cert));
  }
  return false;
}

bool issued_by_public_ca(X509* leaf, const std::string& dir) {
  ERR_set_mark();
  const bool cabf = has_cabf_policy(leaf);
  // Certificate Transparency SCTs are embedded only by CAs whose certificates browsers trust.
  const bool sct = X509_get_ext_by_NID(leaf, NID_ct_precert_scts, -1) >= 0;
  bool store = false;
  if (!dir.empty()) {
    // The issuer itself in the store, matched by name and, when the leaf says, key identifier
    // (a root that issues leaves directly, or an intermediate the store happens to hold).
    const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(leaf);
    store = any_in_store(X509_get_issuer_name(leaf), dir, [aki](X509* c) {
      const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(c);
      return aki == nullptr || ski == nullptr || ASN1_OCTET_STRING_cmp(aki, ski) == 0;
    });
  }
  ERR_pop_to_mark();
  return cabf || sct || store;
}

bool AccessResult::refused() const {
  for (const auto& f : findings) {
    if (f.level == Level::Error) return true;
  }
  return false;
}

AccessResult make_access_lines(const AccessRequest& request) {
  AccessResult r;
  std::set<std::string> seen;
  if (request.ca_files.empty() && request.client_files.empty() && request.tls_srv.empty() && request.tls_clt.empty()) {
    throw Error("access: nothing to do", "",
                "give --ca CA.crt (relay for its clients), --client CLIENT.crt, --tls-srv NAME or --tls-clt NAME");
  }
  auto public_ca = [&](const X509_NAME* issuer, const std::string& path, Level level) {
    r.findings.push_back(Finding{
        .level = level,
        .code = "access-public-ca",
        .message = fmt::format("{} is a public CA ({} holds it or its issuer): anyone can get a certificate from it "
                               "and relay through this server",
                               name_rfc2253(issuer), request.trust_store_dir),
        .hint =
            level == Level::Error
                ? "relay by issuer only for a private CA (mtlscert ca init); for a public CA use --client with each "
                  "client certificate (CERTSUBJECT: lines), or --subject; --allow-public-ca if you really mean it"
                : "relay by issuer only for a private CA (mtlscert ca init); for a public CA use --client with each "
                  "client certificate (CERTSUBJECT: lines)",
        .path = path,
        .cert = {},
        .sendmail_log = {}});
  };
  for (const auto& path : request.ca_files) {
    for (auto& c : load_certs(path, "CA certificate")) {
      if (X509_check_ca(c.get()) == 0) {
        throw Error(fmt::format("--ca {}: {} is not a CA certificate (no basicConstraints CA:TRUE)", path,
                                name_rfc2253(X509_get_subject_name(c.get()))),
                    path, "for a client certificate use --client");
      }
      const X509_NAME* subject = X509_get_subject_name(c.get());
      note_name(r, subject, path);
      // CERTISSUER:<public CA> RELAY makes an open relay for everyone that CA serves; with
      // --subject the line only defers to CERTSUBJECT: lines, which is safe.
      if (is_public_ca(subject, c.get(), request.trust_store_dir)) {
        public_ca(subject, path, request.subject_rhs || request.allow_public_ca ? Level::Warn : Level::Error);
      }
      add_unique(r, seen,
                 {"CERTISSUER:" + sendmail_name_key(subject), request.subject_rhs ? "SUBJECT" : "RELAY",
                  "clients with a certificate issued by " + name_rfc2253(subject)});
    }
  }
  for (const auto& path : request.client_files) {
    auto certs = load_certs(path, "client certificate");
    X509* leaf = certs.front().get();
    const X509_NAME* issuer = X509_get_issuer_name(leaf);
    const X509_NAME* subject = X509_get_subject_name(leaf);
    note_name(r, issuer, path);
    note_name(r, subject, path);
    X509* issuer_cert = nullptr;
    for (std::size_t i = 1; i < certs.size(); ++i) {
      if (X509_NAME_cmp(X509_get_subject_name(certs[i].get()), issuer) == 0) issuer_cert = certs[i].get();
    }
    if (X509_NAME_entry_count(subject) == 0) {
      throw Error(fmt::format("--client {}: the certificate's subject is empty: a CERTSUBJECT: line for it "
                              "could never match (sendmail sets no ${{cert_subject}})",
                              path),
                  path, "issue the client certificate with a subject (mtlscert csr --host NAME, then ca sign)");
    }
    // Without its intermediate the issuer's name is unknown to the trust store: the leaf's own
    // marks of a public CA (CA/B Forum policy, CT SCTs, AKI of a root) still tell.
    if (is_public_ca(issuer, issuer_cert, request.trust_store_dir) ||
        (issuer_cert == nullptr && issued_by_public_ca(leaf, request.trust_store_dir))) {
      public_ca(issuer, path, Level::Warn);
    }
    const std::string issuer_key = "CERTISSUER:" + sendmail_name_key(issuer);
    bool relay_all = false;
    for (auto& l : r.lines) {
      if (l.key == issuer_key && l.value == "RELAY") relay_all = true;
    }
    if (!relay_all) {
      add_unique(r, seen, {issuer_key, "SUBJECT", "look at the subject of certificates from " + name_rfc2253(issuer)});
    }
    add_unique(r, seen, {"CERTSUBJECT:" + sendmail_name_key(subject), "RELAY", name_rfc2253(subject)});
  }
  if (!request.tls_srv.empty() || !request.tls_clt.empty()) {
    check_access_policy(request.policy);
    std::string value = request.policy;
    if (!request.cn.empty()) {
      validate_host_name(request.cn, "--cn");
      value += "+CN:" + request.cn;
    }
    for (const auto* names : {&request.tls_srv, &request.tls_clt}) {
      for (const auto& name : *names) {
        bool bad = name.empty();
        for (unsigned char c : name) bad = bad || c <= ' ' || c >= 0x7f;
        if (bad) {
          throw Error(
              fmt::format("'{}' cannot be an access-map key: it is empty or has spaces or control characters", name),
              "", "give a host name, a domain, or an IP address");
        }
      }
    }
    for (const auto& name : request.tls_srv) {
      add_unique(r, seen, {"TLS_Srv:" + name, value, "sendmail as client, delivering to " + name});
    }
    for (const auto& name : request.tls_clt) {
      add_unique(r, seen, {"TLS_Clt:" + name, value, "sendmail as server, mail from " + name});
    }
  }
  return r;
}

std::string access_text(const AccessResult& result) {
  std::string out;
  for (const auto& l : result.lines) {
    if (!l.comment.empty()) out += "# " + l.comment + "\n";
    out += l.key + "\t" + l.value + "\n";
  }
  return out;
}

std::string to_json(const AccessResult& r) {
  nlohmann::ordered_json j;
  j["schema"] = "mtlscert.access/1";
  j["lines"] = nlohmann::ordered_json::array();
  for (const auto& l : r.lines) j["lines"].push_back({{"key", l.key}, {"value", l.value}, {"comment", l.comment}});
  j["findings"] = r.findings;
  return j.dump(2);
}

}  // namespace mtlscert
