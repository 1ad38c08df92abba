// acl.cc: the relay-by-client-certificate ACL snippet for Exim.
#include "exim/acl.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/error.h"
#include "pki/cert_info.h"
#include "pki/objects.h"
#include "sendmail/access_map.h"

namespace mtlscert {
namespace {

ossl::Ptr<X509> first_cert(const std::string& path, std::string_view role) {
  PkiFile file = load_objects_file(path, role);
  for (auto& o : file.objects)
    if (o.kind == ObjectKind::Certificate && o.cert) return std::move(o.cert);
  throw Error(fmt::format("{} {} holds no certificate", role, path), path,
              "give a PEM or DER certificate file (mtlscert inspect shows what the file holds)");
}

}  // namespace

bool EximAclResult::refused() const { return has_level(findings, Level::Error); }

std::string exim_fingerprint(const std::string& colon_hex_sha256) {
  std::string out;
  for (char c : colon_hex_sha256)
    if (c != ':') out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

EximAclResult make_exim_acl(const EximAclRequest& request) {
  if (request.client_files.empty() && request.ca_files.empty()) {
    throw Error("access --mta exim: nothing to do", "",
                "give --client CLIENT.crt (relay for that certificate) or --ca CA.crt (for every certificate it "
                "issued)");
  }
  EximAclResult r;
  for (const auto& path : request.ca_files) {
    ossl::Ptr<X509> ca = first_cert(path, "CA certificate");
    const X509_NAME* subject = X509_get_subject_name(ca.get());
    if (X509_check_ca(ca.get()) == 0) {
      throw Error(
          fmt::format("--ca {}: {} is not a CA certificate (no basicConstraints CA:TRUE)", path, name_rfc2253(subject)),
          path, "for a client certificate use --client");
    }
    if (is_public_ca(subject, ca.get(), request.trust_store_dir)) {
      r.findings.push_back(make_finding(
          request.allow_public_ca ? Level::Warn : Level::Error, "access-public-ca",
          fmt::format("{} is a public CA ({} holds it or its issuer): anyone can get a certificate from it and "
                      "relay through this server",
                      name_rfc2253(subject), request.trust_store_dir),
          "relay by issuer only for a private CA (mtlscert ca init); for a public CA use --client with each client "
          "certificate (pinned by fingerprint); --allow-public-ca if you really mean it",
          path));
    }
    r.ca_subjects.push_back(name_rfc2253(subject));
  }
  for (const auto& path : request.client_files) {
    ossl::Ptr<X509> leaf = first_cert(path, "client certificate");
    const std::string fp = exim_fingerprint(sha256_fingerprint(leaf.get()));
    if (std::find(r.fingerprints.begin(), r.fingerprints.end(), fp) != r.fingerprints.end()) continue;
    r.fingerprints.push_back(fp);
    r.subjects.push_back(name_rfc2253(X509_get_subject_name(leaf.get())));
  }
  return r;
}

std::string exim_acl_text(const EximAclResult& r) {
  std::string out =
      "# mtlscert access --mta exim: relay for verified client certificates.\n"
      "# Put it in acl_check_rcpt BEFORE the relay check (Debian: in conf.d/acl/30_exim4-config_check_rcpt,\n"
      "# before `require domains = +local_domains : +relay_to_domains`); needs tls_try_verify_hosts = *\n"
      "# (or tls_verify_hosts) and tls_verify_certificates naming your client CA.\n";
  for (const auto& s : r.ca_subjects) out += fmt::format("# any certificate issued by {}\n", s);
  for (std::size_t i = 0; i < r.fingerprints.size(); ++i) out += fmt::format("# {}\n", r.subjects[i]);
  out +=
      "accept\n"
      "  encrypted = *\n"
      "  condition = ${if eq{$tls_in_certificate_verified}{1}}\n";
  if (r.ca_subjects.empty()) {
    std::string list;
    for (const auto& fp : r.fingerprints) list += (list.empty() ? "" : " : ") + fp;
    out += fmt::format("  condition = ${{if inlist{{${{sha256:$tls_in_peercert}}}}{{{}}}}}\n", list);
  }
  out += "  logwrite = relay granted to verified client certificate ${sha256:$tls_in_peercert}\n";
  return out;
}

}  // namespace mtlscert
