#include "cmd_probe.h"

#include <fmt/format.h>

#include "smtp/probe.h"

namespace mtlscert::cli {

const char* const kProbeSummary = "Connect to a mail server, run STARTTLS and report what a peer sees";
const char* const kProbeExamples = R"(  $ mtlscert probe mx.example.org
      greeting, EHLO, STARTTLS, TLS version and cipher, chain, verification, client-cert request
  $ mtlscert probe localhost:25 --cacert /etc/mail/tls/ca.pem --servername mx.example.org
      verify against your own CA and the name peers will use
  $ mtlscert probe localhost --cert client.pem --key client.key
      present a client certificate and see whether the server accepts it
  $ mtlscert probe [::1]:465 --smtps --json
      implicit TLS over IPv6, as one JSON document (schema mtlscert.probe/1)
  $ mtlscert probe -f mx-hosts.txt --jobs 64 --json
      every HOST[:PORT] of a list, 64 at once, one JSON document a line in the list's order)";

namespace {

const char* const kPad = "               ";

void line(const Output& out, std::string_view label, std::string_view text) {
  out.result(fmt::format("{:<15}{}", label, text));
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string s;
  for (std::size_t i = 0; i < items.size(); ++i) s += (i == 0 ? "" : std::string(sep)) + items[i];
  return s;
}

void print_chain(const Output& out, const ProbeReport& r) {
  for (std::size_t i = 0; i < r.chain.size(); ++i) {
    const CertInfo& c = r.chain[i];
    line(out, i == 0 ? "Chain:" : "", fmt::format("[{}] {}", i, c.subject));
    std::vector<std::string> names = c.dns_names;
    names.insert(names.end(), c.ip_addresses.begin(), c.ip_addresses.end());
    out.result(fmt::format(
        "{}    issuer {}; {}; {} to {} ({}); {}", kPad, c.issuer, names.empty() ? "no SAN" : "SAN " + join(names, ", "),
        c.not_before.substr(0, 10), c.not_after.substr(0, 10),
        c.days_left < 0 ? fmt::format("expired {} days ago", -c.days_left) : fmt::format("{} days left", c.days_left),
        c.key.label));
  }
}

void print_client_cert(const Output& out, const ProbeReport& r) {
  if (!r.client_cert_requested) {
    line(out, "Client cert:", "not requested by the server");
    return;
  }
  line(out, "Client cert:",
       fmt::format("requested; {} acceptable CA name{}, list {} bytes (CertificateRequest {} bytes)",
                   r.ca_list.unique_names, r.ca_list.unique_names == 1 ? "" : "s", with_commas(r.ca_list.list_bytes),
                   with_commas(r.certificate_request_bytes)));
  out.result(fmt::format("{}{}", kPad, r.ca_list_verdict));
  constexpr std::size_t kShown = 8;
  for (std::size_t i = 0; i < r.ca_names.size() && i < kShown; ++i)
    out.result(fmt::format("{}  CA {}", kPad, r.ca_names[i]));
  if (r.ca_names.size() > kShown)
    out.result(fmt::format("{}  ... and {} more (--json lists all)", kPad, r.ca_names.size() - kShown));
  switch (r.client_cert) {
    case ClientCertStatus::Accepted: line(out, "", "accepted: the server went on after our certificate"); break;
    case ClientCertStatus::NoneSent:
      line(out, "", "none sent (pass --cert and --key to present one); the server went on without it");
      break;
    case ClientCertStatus::Rejected:
      line(out, "",
           r.client_cert_sent ? "REJECTED by the server (see the alert below)"
                              : "the server requires one and none was sent (--cert, --key)");
      break;
    default: line(out, "", "the server's verdict is unknown (the dialogue stopped before it)"); break;
  }
}

void print_report(const Output& out, const ProbeReport& r) {
  out.result(r.verdict());
  line(out, "Server:",
       fmt::format("{}{}, {}, EHLO {}, {}", r.endpoint.display(),
                   r.peer_address.empty() ? "" : " (" + r.peer_address + ")", r.smtps ? "implicit TLS" : "STARTTLS",
                   r.ehlo_name, is_ip_literal(r.servername) ? "no SNI (an IP address)" : "SNI " + r.servername));
  if (r.greeting) line(out, "Greeting:", r.greeting->first_line());
  if (r.ehlo) line(out, "Capabilities:", r.capabilities.empty() ? "(none)" : join(r.capabilities, ", "));
  if (r.ehlo) line(out, "STARTTLS:", r.starttls_offered ? "offered" : "NOT offered");
  if (r.starttls_reply) line(out, "", r.starttls_reply->first_line());
  if (!r.tls) return;
  line(out, "TLS:",
       fmt::format("{}, {}, group {}, server signature {}", r.tls_version, r.cipher, r.group.empty() ? "-" : r.group,
                   r.signature_algorithm.empty() ? "-" : r.signature_algorithm));
  print_chain(out, r);
  if (r.verify_skipped) {
    line(out, "Verification:",
         fmt::format("SKIPPED (--insecure-skip-verify); against {} it would be {}", r.trust,
                     r.verified                ? std::string("OK")
                     : r.verify_errors.empty() ? std::string("FAILED: no certificate")
                                               : "FAILED: " + r.verify_errors.front().reason));
  } else if (r.verified) {
    line(out, "Verification:", fmt::format("OK against {}", r.trust));
  } else {
    line(out, "Verification:", fmt::format("FAILED against {}", r.trust));
    for (const auto& e : r.verify_errors) {
      out.result(fmt::format("{}{} (depth {}{})", kPad, e.reason, e.depth, e.subject.empty() ? "" : ": " + e.subject));
    }
  }
  line(out, "Name:",
       fmt::format("{} {} the certificate{}", r.servername, r.name_matches ? "matches" : "does NOT match",
                   r.verify_skipped ? " (not enforced: --insecure-skip-verify)" : ""));
  print_client_cert(out, r);
  if (r.post_tls_ehlo) {
    line(out, "After TLS:", r.post_tls_ehlo->first_line());
    if (!r.post_tls_capabilities.empty()) out.result(fmt::format("{}{}", kPad, join(r.post_tls_capabilities, ", ")));
  }
}

}  // namespace

ProbeOptions probe_options(const ProbeCmdOptions& o) {
  if (o.tls1_2 && o.tls1_3) throw Error("--tls1_2 and --tls1_3 exclude each other", {}, "pin one version, or neither");
  ProbeOptions p = o.request;
  p.tls_version = o.tls1_2 ? "1.2" : o.tls1_3 ? "1.3" : "";
  return p;
}

void print_probe_report(const Output& out, const ProbeReport& r) { print_report(out, r); }

Report probe_envelope(const ProbeOptions& p, const ProbeReport& r) {
  Report report;
  report.set_result(nlohmann::ordered_json(r));
  for (const auto* path : {&p.cacert, &p.cert, &p.key}) {
    if (!path->empty()) report.inputs.push_back(*path);
  }
  report.findings = r.all_findings();
  return report;
}

void warn_skip_verify(const ProbeOptions& p, const Output& out) {
  if (p.insecure_skip_verify) {
    out.warn(
        "--insecure-skip-verify: the certificate chain and name are not enforced; this run proves nothing "
        "about who answered");
  }
}

int run_probe(const ProbeCmdOptions& o, const Output& out) {
  if (o.mta_sts && o.mx.empty() && o.fleet.file.empty())
    throw Error("--mta-sts requires --mx DOMAIN (or -f FILE with --mx lines): a policy is a domain's", {},
                "e.g. mtlscert probe --mx example.org --mta-sts");
  if (!o.mx.empty() && !o.fleet.file.empty())
    throw Error("probe: both --mx and -f given", {}, "put '--mx DOMAIN' lines in the list, or drop -f");
  if (!o.mx.empty()) return run_probe_mx(o, out);
  if (!o.fleet.file.empty()) return run_probe_fleet(o, out);
  if (o.request.target.empty()) {
    throw Error("probe: no target", {}, "give HOST[:PORT], -f FILE for a list of targets, or --mx DOMAIN");
  }
  ProbeOptions p = probe_options(o);
  warn_skip_verify(p, out);
  ProbeReport r = probe(p);
  Report report = probe_envelope(p, r);
  print_report(out, r);
  if (o.dane) add_dane(o, r, report, out);
  if (r.could_not_run()) return out.fail(Error(r.failure->message, {}, r.failure->hint), &report);
  return out.finish(report);
}

}  // namespace mtlscert::cli
