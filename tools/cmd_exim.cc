#include "cmd_exim.h"

#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/io.h"
#include "core/mta.h"
#include "exim/acl.h"
#include "exim/doctor.h"
#include "exim/emit.h"
#include "exim/preflight.h"

namespace mtlscert::cli {
namespace {

// write_product: -o FILE for emit and access (0644, atomically; --force replaces).
void write_product(const std::string& path, const std::string& text, bool force, std::string_view role, Report& report,
                   const Output& out) {
  io::WriteOptions write;
  write.overwrite = force;
  write.role = role;
  io::write_file_atomic(path, text, write);
  report.outputs.push_back({path, 0644});
  out.result(fmt::format("Wrote {} (mode 0644).", path));
}

}  // namespace

int run_emit_exim(const EmitOptions& o, const Output& out) {
  const std::string text =
      exim_emit_text({.server_cert = o.server_cert, .server_key = o.server_key, .cacert = o.cacert, .crl = o.crl});
  Report report;
  for (const auto* path : {&o.server_cert, &o.server_key, &o.cacert, &o.crl}) {
    if (!path->empty()) report.inputs.push_back(*path);
  }
  if (!o.no_check) {
    EximTls tls;
    tls.certificate = o.server_cert;
    tls.privatekey = o.server_key;
    tls.verify_certificates = o.cacert;
    if (!o.cacert.empty() && !o.no_client_cert_request) tls.try_verify_hosts = std::string(1, '*');
    tls.crl = o.crl;
    EximPreflightContext ctx;
    ctx.host = o.host;
    ctx.now = std::time(nullptr);
    report.findings = preflight_exim_tls(tls, ctx);
  }
  const bool blocked = has_level(report.findings, Level::Error);
  const bool to_stdout = o.out.empty() || o.out == "-";
  nlohmann::ordered_json result;
  result["mta"] = mta_name(Mta::Exim);
  result["text"] = blocked ? std::string() : text;
  result["checked"] = !o.no_check;
  result["blocked"] = blocked;
  result["written"] = !to_stdout && !blocked;
  report.set_result(result.dump());
  // The lines are the product on stdout; when blocked there are none, so findings go there.
  report.data_on_stdout = to_stdout && !blocked;
  if (blocked) {
    out.result(fmt::format("Not {}: Exim's STARTTLS handshakes would fail with these files (fix the errors below).",
                           to_stdout ? "printed" : "written"));
  } else if (to_stdout) {
    if (!out.json_mode()) out.data(text);
  } else {
    write_product(o.out, text, o.force, "Exim fragment", report, out);
    out.say(
        fmt::format("Next: cp {} /etc/exim4/conf.d/main/00_mtlscert_tls (or append it to "
                    "/etc/exim4/exim4.conf.localmacros), then update-exim4.conf && systemctl reload exim4.",
                    o.out));
  }
  return out.finish(report);
}

int run_doctor_exim(const DoctorOptions& o, const Output& out) {
  EximDoctorRequest request;
  request.path = o.file;
  request.host = o.host;
  request.now = std::time(nullptr);
  EximDoctorResult r = exim_doctor(request);
  add_lifecycle_findings(o, r.config.tls.certificate, o.host, r.findings);
  Report report;
  report.set_result(to_json(r));
  report.inputs = r.config.files_read;
  report.findings = r.findings;
  const EximTls& t = r.config.tls;
  out.say(fmt::format("Read {} (exim, {}, {} file(s)).", o.file,
                      r.config.split ? "Debian split configuration" : "configuration file",
                      r.config.files_read.size()));
  if (r.config.any_tls_option) {
    out.say(fmt::format("  tls_certificate={} tls_privatekey={}", t.certificate, t.privatekey));
    out.say(fmt::format("  tls_verify_certificates={} tls_try_verify_hosts={} tls_verify_hosts={}",
                        t.verify_certificates.empty() ? "(system)" : t.verify_certificates, t.try_verify_hosts,
                        t.verify_hosts));
  }
  if (exit_code(r.findings) == Exit::Ok) {
    out.result(fmt::format("{}: healthy: Exim will offer STARTTLS and complete handshakes with these files.", o.file));
  } else {
    out.result(fmt::format("{}: Exim's STARTTLS would not work as configured:", o.file));
  }
  return out.finish(report);
}

int run_access_exim(const AccessOptions& o, const Output& out) {
  if (!o.tls_srv.empty() || !o.tls_clt.empty() || o.subject) {
    throw Error("access --mta exim: --tls-srv, --tls-clt and --subject are sendmail access-map features", "",
                "give --client CLIENT.crt or --ca CA.crt");
  }
  EximAclResult r = make_exim_acl({.client_files = o.client,
                                   .ca_files = o.ca,
                                   .allow_public_ca = o.allow_public_ca,
                                   .trust_store_dir = o.trust_store});
  const std::string text = r.refused() ? std::string() : exim_acl_text(r);
  nlohmann::ordered_json result;
  result["mta"] = mta_name(Mta::Exim);
  result["fingerprints"] = r.fingerprints;
  result["ca_subjects"] = r.ca_subjects;
  result["text"] = text;
  Report report;
  report.set_result(result.dump());
  report.inputs = o.ca;
  report.inputs.insert(report.inputs.end(), o.client.begin(), o.client.end());
  report.findings = r.findings;
  const bool to_stdout = o.out.empty() || o.out == "-";
  report.data_on_stdout = to_stdout;
  if (!r.refused()) {
    if (to_stdout) {
      if (!out.json_mode()) out.data(text);
    } else {
      write_product(o.out, text, o.force, "Exim ACL snippet", report, out);
      out.say(fmt::format("Next: .include {} in acl_check_rcpt before the relay check, then reload Exim.", o.out));
    }
  }
  return out.finish(report);
}

}  // namespace mtlscert::cli
