#include "cmd_csr.h"

#include <fmt/format.h>

#include "core/io.h"
#include "pki/csr.h"

namespace mtlscert::cli {

const char* const kCsrSummary = "Make a certificate signing request: CN and SAN = the MX host, serverAuth + clientAuth";
const char* const kCsrExamples = R"(  $ mtlscert csr --key smtp.key --mx 'toto.com. IN MX 10 smtp.toto.com.' -o smtp.csr
      CN smtp.toto.com, SAN DNS:smtp.toto.com, EKU serverAuth + clientAuth, SHA-256
  $ dig +short MX toto.com | mtlscert csr --key smtp.key --mx - -o smtp.csr
      the lowest-preference MX host becomes the CN
  $ mtlscert csr --key smtp.key --host smtp.toto.com --san mail.toto.com --country FR --org TOTO -o smtp.csr
      extra SAN names and subject fields (--country is an ISO 3166 code)
  $ mtlscert csr --key smtp.key --host smtp.toto.com --interactive -o smtp.csr
      asks for each subject field, explaining what it is for (Enter skips it)
  $ mtlscert csr --key smtp.key --host smtp.toto.com -o - | openssl req -noout -text
      write the CSR to standard output)";

namespace {

constexpr int kAttempts = 3;

// ask_valid asks until check accepts the answer (it throws Error otherwise); an empty
// answer or the end of input returns empty.
template <typename Check>
std::string ask_valid(const Output& out, const std::string& explanation, const std::string& prompt, Check check) {
  for (int attempt = 1;; ++attempt) {
    std::optional<std::string> answer = out.ask(explanation, prompt);
    if (!answer || answer->find_first_not_of(" \t") == std::string::npos) return {};
    try {
      return check(*answer);
    } catch (const Error& e) {
      if (attempt == kAttempts) throw;
      out.warn(fmt::format("{}; try again", e.what()));
    }
  }
}

// interview: the guided walk-through of the classic `openssl req` questions, asking only
// for what the flags left out.
void interview(CsrRequest& request, const Output& out) {
  if (request.host.empty() && request.mx.empty()) {
    request.host = ask_valid(out,
                             "Host name: the mail server's official name, the right side of its MX record "
                             "(smtp.toto.com in 'toto.com. IN MX 0 smtp.toto.com.'); peers check it.",
                             "Host name (CN)", [](const std::string& a) {
                               check_common_name(validate_host_name(a, "host name"), "host name");
                               return a;
                             });
    if (request.host.empty()) throw Error("--interactive: no host name given; the CSR needs one");
  }
  for (const auto& info : subject_field_infos()) {
    std::string& value = field_value(request.subject, info.field);
    if (!value.empty()) continue;
    value = ask_valid(out, fmt::format("{}: {}.", info.label, info.explanation),
                      fmt::format("{} [Enter to leave out]", info.label),
                      [&](const std::string& a) { return check_subject_field(info.field, a); });
  }
}

}  // namespace

int run_csr(const CsrOptions& o, const Output& out) {
  CsrFileRequest request = o.request;
  for (const auto& text : o.mx) {
    if (text == "-" && o.interactive) {
      throw Error("--mx - and --interactive both need standard input", {}, "give the MX line itself with --mx");
    }
    request.request.mx += (text == "-" ? io::read_file("-", "MX lines (standard input)") : text) + "\n";
  }
  if (o.interactive) interview(request.request, out);

  CsrFileResult r = create_csr_file(request);
  Report report;
  report.set_result(to_json(r));
  report.inputs.push_back(r.key_path);
  for (const auto& note : r.plan.notes) report.findings.push_back(make_finding(Level::Notice, "csr-note", note));
  report.add_warnings(r.warnings, "csr-advice");
  if (r.path == "-") {
    report.data_on_stdout = true;
    if (!out.json_mode() && !request.dry_run) out.data(r.pem);
    return out.finish(report);
  }
  report.outputs.push_back({r.path, r.mode, request.dry_run});
  out.result(fmt::format("{} CSR {} for {} (SAN: {}; {} key, mode {:04o}).",
                         request.dry_run ? "Dry run: would write" : "Wrote", r.path, r.plan.host.ascii,
                         fmt::join(r.plan.dns_names, ", "), r.info.key.label, r.mode));
  std::string crt =
      r.path.size() > 4 && r.path.ends_with(".csr") ? r.path.substr(0, r.path.size() - 4) + ".crt" : r.path + ".crt";
  if (!request.dry_run) {
    out.say(fmt::format("Next: submit it to your CA, or sign it with your own: mtlscert ca sign --dir DIR {} -o {}",
                        r.path, crt));
  }
  return out.finish(report);
}

}  // namespace mtlscert::cli
