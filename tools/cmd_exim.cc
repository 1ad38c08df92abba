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
void write_product(const std::string& path, const std::string& text, bool force, bool dry_run, std::string_view role,
                   Report& report, const Output& out) {
  io::WriteOptions write;
  write.overwrite = force;
  write.role = role;
  write.dry_run = dry_run;
  io::write_file_atomic(path, text, write);
  report.outputs.push_back({path, 0644, dry_run});
  out.result(fmt::format("{} {} (mode 0644).", dry_run ? "Dry run: would write" : "Wrote", path));
}

}  // namespace

int run_emit_exim(const EmitOptions& o, const Output& out) {
  const bool debian = o.exim_style != "plain";
  const std::string text = exim_emit_text(
      {.server_cert = o.request.mc.server_cert, .server_key = o.request.mc.server_key, .cacert = o.request.mc.cacert, .crl = o.request.mc.crl, .debian = debian});
  Report report;
  for (const auto* path : {&o.request.mc.server_cert, &o.request.mc.server_key, &o.request.mc.cacert, &o.request.mc.crl}) {
    if (!path->empty()) report.inputs.push_back(*path);
  }
  if (!o.no_check) {
    EximTls tls;
    tls.certificate = o.request.mc.server_cert;
    tls.privatekey = o.request.mc.server_key;
    tls.verify_certificates = o.request.mc.cacert;
    if (!o.request.mc.cacert.empty() && !o.request.mc.no_client_cert_request) tls.try_verify_hosts = std::string(1, '*');
    tls.crl = o.request.mc.crl;
    EximPreflightContext ctx;
    ctx.host = o.request.host;
    ctx.now = std::time(nullptr);
    report.findings = preflight_exim_tls(tls, ctx);
  }
  const bool blocked = has_level(report.findings, Level::Error);
  const bool to_stdout = o.request.out.empty() || o.request.out == "-";
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
    write_product(o.request.out, text, o.request.overwrite, o.request.dry_run, "Exim fragment", report, out);
    if (o.request.dry_run) {
      // a dry run wrote nothing: no next step to give
    } else if (!debian) {
      out.say(
          fmt::format("Next: put {} in the main section of exim.conf (before the first `begin`), then "
                      "exim -bV -C exim.conf and reload Exim.",
                      o.request.out));
    } else {
      out.say(
          fmt::format("Next: cp {} /etc/exim4/conf.d/main/00_mtlscert_tls (or append it to "
                      "/etc/exim4/exim4.conf.localmacros), then update-exim4.conf && systemctl reload exim4.",
                      o.request.out));
    }
  }
  return out.finish(report);
}

int run_doctor_exim(const DoctorOptions& o, const Output& out) {
  EximDoctorRequest request;
  request.path = o.request.path;
  request.host = o.request.host;
  request.now = std::time(nullptr);
  EximDoctorResult r = exim_doctor(request);
  add_lifecycle_findings(o, r.config.tls.certificate, o.request.host, r.findings);
  Report report;
  report.set_result(to_json(r));
  report.inputs = r.config.files_read;
  report.findings = r.findings;
  const EximTls& t = r.config.tls;
  out.say(fmt::format("Read {} (exim, {}, {} file(s)).", o.request.path,
                      r.config.split ? "Debian split configuration" : "configuration file",
                      r.config.files_read.size()));
  if (r.config.any_tls_option) {
    out.say(fmt::format("  tls_certificate={} tls_privatekey={}", t.certificate, t.privatekey));
    out.say(fmt::format("  tls_verify_certificates={} tls_try_verify_hosts={} tls_verify_hosts={}",
                        t.verify_certificates.empty() ? "(system)" : t.verify_certificates, t.try_verify_hosts,
                        t.verify_hosts));
  }
  if (exit_code(r.findings) == Exit::Ok) {
    out.result(fmt::format("{}: healthy: Exim will offer STARTTLS and complete handshakes with these files.", o.request.path));
  } else {
    out.result(fmt::format("{}: Exim's STARTTLS would not work as configured:", o.request.path));
  }
  return out.finish(report);
}

int run_access_exim(const AccessOptions& o, const Output& out) {
  if (!o.request.tls_srv.empty() || !o.request.tls_clt.empty() || o.request.subject_rhs) {
    throw Error("access --mta exim: --tls-srv, --tls-clt and --subject are sendmail access-map features", "",
                "give --client CLIENT.crt or --ca CA.crt");
  }
  EximAclResult r = make_exim_acl({.client_files = o.request.client_files,
                                   .ca_files = o.request.ca_files,
                                   .allow_public_ca = o.request.allow_public_ca,
                                   .trust_store_dir = o.request.trust_store_dir});
  const std::string text = r.refused() ? std::string() : exim_acl_text(r);
  nlohmann::ordered_json result;
  result["mta"] = mta_name(Mta::Exim);
  result["fingerprints"] = r.fingerprints;
  result["ca_subjects"] = r.ca_subjects;
  result["text"] = text;
  Report report;
  report.set_result(result.dump());
  report.inputs = o.request.ca_files;
  report.inputs.insert(report.inputs.end(), o.request.client_files.begin(), o.request.client_files.end());
  report.findings = r.findings;
  const bool to_stdout = o.out.empty() || o.out == "-";
  report.data_on_stdout = to_stdout;
  if (!r.refused()) {
    if (to_stdout) {
      if (!out.json_mode()) out.data(text);
    } else {
      write_product(o.out, text, o.force, o.dry_run, "Exim ACL snippet", report, out);
      if (!o.dry_run)
        out.say(fmt::format("Next: .include {} in acl_check_rcpt before the relay check, then reload Exim.", o.out));
    }
  }
  return out.finish(report);
}

}  // namespace mtlscert::cli
