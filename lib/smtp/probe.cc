#include "smtp/probe.h"

#include <unistd.h>

#include <fmt/format.h>

#include "smtp/tls_alert.h"
#include "smtp/tls_client.h"

namespace mtlscert {
namespace {

const char* const kNoStarttlsHint =
    "sendmail leaves STARTTLS out of EHLO when it cannot use its certificate, key or CA file (wrong path, a key "
    "readable by others, a key that does not match); look for 'STARTTLS=server' lines in the mail log";

// One row per stage of the dialogue: its name (JSON), how a failure there is introduced, and
// for the stages that wait for an SMTP reply: the code expected, how the command is named in
// "answered X with …", where the reply is kept, and whether an unexpected reply is kept too
// (the greeting and the reply to STARTTLS are what the server said; they go into the report).
struct StageRow {
  ProbeStage stage;
  std::string_view name;
  std::string_view context;  // fmt format; {} is the server
  int expected = 0;
  std::string_view command = {};
  std::optional<SmtpReply> ProbeReport::*reply = nullptr;
  bool keep_unexpected = false;
};

constexpr StageRow kStages[] = {
    {ProbeStage::Connect, "connect", "connecting to {}"},
    {ProbeStage::Greeting, "greeting", "waiting for the greeting of {}", 220, "greeting", &ProbeReport::greeting, true},
    {ProbeStage::Ehlo, "ehlo", "waiting for the EHLO reply of {}", 250, "EHLO", &ProbeReport::ehlo},
    {ProbeStage::Starttls, "starttls", "waiting for the reply to STARTTLS from {}", 220, "STARTTLS",
     &ProbeReport::starttls_reply, true},
    {ProbeStage::Handshake, "handshake", "TLS handshake with {}"},
    {ProbeStage::PostTlsEhlo, "post-tls-ehlo", "waiting for the EHLO reply of {} after TLS", 250, "EHLO after TLS",
     &ProbeReport::post_tls_ehlo},
};

constexpr bool stages_in_order() {
  for (std::size_t i = 0; i < std::size(kStages); ++i) {
    if (static_cast<std::size_t>(kStages[i].stage) != i) return false;
  }
  return true;
}
static_assert(stages_in_order(), "kStages rows must follow ProbeStage's order");

const StageRow& stage_row(ProbeStage stage) { return kStages[static_cast<std::size_t>(stage)]; }

// Alerts a server sends about the client's certificate (or its absence).
bool client_cert_alert(int alert) {
  switch (alert) {
    case 42:
    case 43:
    case 44:
    case 45:
    case 46:
    case 48:
    case 49:
    case 116: return true;
    default: return false;
  }
}

class Dialogue {
 public:
  Dialogue(const ProbeOptions& options, ProbeReport& report)
      : options_(options),
        report_(report),
        timeout_(std::chrono::seconds(options.timeout_seconds)),
        end_(options.deadline_seconds > 0 ? Clock::now() + std::chrono::seconds(options.deadline_seconds)
                                          : Deadline::max()) {}

  void run(SSL_CTX* ctx) {
    stage_ = ProbeStage::Connect;
    auto socket = SocketTransport::connect(
        report_.endpoint, std::max(std::chrono::milliseconds(1),
                                   std::chrono::duration_cast<std::chrono::milliseconds>(deadline() - Clock::now())));
    report_.peer_address = socket.peer_address();
    LineReader reader(socket);
    if (report_.smtps) {
      TlsSession tls(ctx, socket.fd(), report_.servername);
      start_tls(tls);
      reader.set_transport(tls);
      post_tls(reader, tls, true);
      return;
    }
    expect(reader, ProbeStage::Greeting);
    stage_ = ProbeStage::Ehlo;
    send(socket, "EHLO " + report_.ehlo_name);
    expect(reader, ProbeStage::Ehlo);
    report_.capabilities = ehlo_keywords(*report_.ehlo);
    report_.starttls_offered = has_keyword(report_.capabilities, "STARTTLS");
    if (!report_.starttls_offered) {
      throw NetError("no-starttls", fmt::format("{} does not offer STARTTLS in its EHLO reply", where()),
                     kNoStarttlsHint);
    }
    stage_ = ProbeStage::Starttls;
    send(socket, "STARTTLS");
    expect(reader, ProbeStage::Starttls);
    TlsSession tls(ctx, socket.fd(), report_.servername);
    if (std::size_t early = reader.set_transport(tls); early > 0) {
      report_.findings.push_back(Finding{
          .level = Level::Error,
          .code = "starttls-injection",
          .message = fmt::format("{} sent {} bytes after its 220 to STARTTLS, before TLS started", where(), early),
          .hint = "a server must discard plaintext received before TLS (CVE-2011-0411 class); upgrade it",
          .path = {},
          .cert = {},
          .sendmail_log = {}});
    }
    start_tls(tls);
    post_tls(reader, tls, false);
  }

  ProbeStage stage() const { return stage_; }
  int alert() const { return alert_; }
  Deadline end() const { return end_; }
  std::string where() const { return report_.endpoint.display(); }

 private:
  // Each wait gets the timeout, and none goes past the dialogue's own end (--deadline).
  Deadline deadline() const { return std::min(Clock::now() + timeout_, end_); }

  void send(Transport& t, const std::string& command) { t.write_all(command + "\r\n", deadline()); }

  // expect enters stage, reads its reply into the report (stage_row's reply field) and
  // throws NetError "reply" when the code is not the one the stage expects.
  void expect(LineReader& reader, ProbeStage stage) {
    stage_ = stage;
    const StageRow& row = stage_row(stage);
    SmtpReply reply = read_reply(reader, deadline(), options_.limits);
    if (reply.code != row.expected) {
      std::string hint;
      if (reply.code / 100 == 4) hint = "a temporary refusal; try again later, or read the server's mail log";
      if (reply.code == 454) hint = "the server could not start TLS (sendmail: its certificate or key is unusable now)";
      std::string first_line = printable(reply.first_line());
      if (row.keep_unexpected) report_.*row.reply = std::move(reply);
      throw NetError(
          "reply", fmt::format("{} answered {} with '{}', expected {}", where(), row.command, first_line, row.expected),
          hint);
    }
    report_.*row.reply = std::move(reply);
  }

  void start_tls(TlsSession& tls) {
    stage_ = ProbeStage::Handshake;
    try {
      tls.handshake(deadline());
    } catch (const NetError&) {
      note_capture(tls);
      alert_ = tls.capture().alert_received;
      if (report_.client_cert_requested && client_cert_alert(alert_)) report_.client_cert = ClientCertStatus::Rejected;
      throw;
    }
    note_capture(tls);
    report_.tls = true;
    SSL* ssl = tls.ssl();
    report_.tls_version = SSL_get_version(ssl);
    report_.cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(ssl));
    if (int nid = SSL_get_negotiated_group(ssl); nid != 0) {
      const char* name = SSL_group_to_name(ssl, nid);
      report_.group = name != nullptr ? name : fmt::format("group {}", nid);
    }
    int type = NID_undef;
    int digest = NID_undef;
    if (SSL_get_peer_signature_type_nid(ssl, &type) == 1) {
      std::string t = type == EVP_PKEY_RSA       ? "RSA-PKCS1"
                      : type == EVP_PKEY_RSA_PSS ? "RSA-PSS"
                      : type == EVP_PKEY_EC      ? "ECDSA"
                                                 : OBJ_nid2sn(type);
      if (SSL_get_peer_signature_nid(ssl, &digest) == 1 && digest != NID_undef) {
        t += fmt::format(" with {}", OBJ_nid2sn(digest));
      }
      report_.signature_algorithm = t;
    }
    std::time_t now = options_.now != 0 ? options_.now : std::time(nullptr);
    if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) {
      for (int i = 0; i < sk_X509_num(chain); ++i) {
        report_.chain.push_back(describe_certificate(sk_X509_value(chain, i), now));
        unsigned char* der = nullptr;
        int n = i2d_X509(sk_X509_value(chain, i), &der);
        if (n > 0) report_.chain_der.emplace_back(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
        OPENSSL_free(der);
      }
    }
    for (const auto& issue : tls.capture().verify_issues) {
      if (issue.code == X509_V_ERR_HOSTNAME_MISMATCH || issue.code == X509_V_ERR_IP_ADDRESS_MISMATCH) continue;
      report_.verify_errors.push_back({issue.depth, issue.code, issue.reason, issue.subject});
    }
    report_.verified = report_.verify_errors.empty() && SSL_get0_peer_certificate(ssl) != nullptr;
    // The name is checked on its own, with the matcher X509_VERIFY_PARAM_set1_host
    // uses, so a chain error does not hide a name mismatch (or the reverse).
    if (X509* leaf = SSL_get0_peer_certificate(ssl)) {
      report_.name_matches = is_ip_literal(report_.servername)
                                 ? X509_check_ip_asc(leaf, report_.servername.c_str(), 0) == 1
                                 : X509_check_host(leaf, report_.servername.c_str(), 0, 0, nullptr) == 1;
    }
  }

  void note_capture(const TlsSession& tls) {
    const TlsCapture& c = tls.capture();
    report_.client_cert_requested = c.certificate_request;
    report_.certificate_request_bytes = c.certificate_request_bytes;
    report_.client_cert_sent = c.client_certificate_bytes > 0;
    if (c.certificate_request) {
      report_.client_cert = ClientCertStatus::Unknown;
      std::vector<const X509_NAME*> names;
      if (c.ca_names) {
        for (int i = 0; i < sk_X509_NAME_num(c.ca_names.get()); ++i) {
          const X509_NAME* n = sk_X509_NAME_value(c.ca_names.get(), i);
          names.push_back(n);
          report_.ca_names.push_back(name_rfc2253(n));
        }
      }
      // The list as received: every name the server sent counts, repeated or not.
      report_.ca_list = measure_ca_list(names);
      report_.ca_list.unique_names = report_.ca_list.names;
      report_.ca_list.list_bytes = report_.ca_list.list_bytes_without_dedup;
      report_.ca_list_verdict = ca_list_verdict(report_.ca_list, options_.thresholds);
      auto found = judge_ca_list_size(report_.ca_list, options_.thresholds, "the server's list of acceptable CAs");
      report_.findings.insert(report_.findings.end(), found.begin(), found.end());
    }
  }

  // post_tls: the first exchange over TLS, where a TLS 1.3 server's verdict on
  // the client certificate arrives (as an alert instead of a reply).
  void post_tls(LineReader& reader, TlsSession& tls, bool greeting_first) {
    try {
      if (greeting_first) expect(reader, ProbeStage::Greeting);
      stage_ = ProbeStage::PostTlsEhlo;
      send(tls, "EHLO " + report_.ehlo_name);
      expect(reader, ProbeStage::PostTlsEhlo);
    } catch (const NetError&) {
      int alert = tls.capture().alert_received;
      alert_ = alert;
      if (report_.client_cert_requested && client_cert_alert(alert)) {
        report_.client_cert = ClientCertStatus::Rejected;
        TlsAlert a = describe_alert(alert);
        throw NetError(
            "tls-alert",
            fmt::format("{} rejected the client {} after the handshake with TLS alert {} ({})", where(),
                        report_.client_cert_sent ? "certificate" : "(no certificate sent)", a.number, a.name),
            fmt::format("likely cause: {}", a.likely_cause));
      }
      throw;
    }
    report_.post_tls_capabilities = ehlo_keywords(*report_.post_tls_ehlo);
    if (report_.client_cert_requested) {
      report_.client_cert = report_.client_cert_sent ? ClientCertStatus::Accepted : ClientCertStatus::NoneSent;
    }
    // Say goodbye; the server's 221 is not part of the verdict.
    try {
      send(tls, "QUIT");
      read_reply(reader, std::min(deadline(), Clock::now() + std::chrono::milliseconds(2000)), options_.limits);
    } catch (const Error&) {
    }
    tls.close_notify(deadline());
  }

  const ProbeOptions& options_;
  ProbeReport& report_;
  std::chrono::milliseconds timeout_;
  Deadline end_;
  ProbeStage stage_ = ProbeStage::Connect;
  int alert_ = -1;
};

std::string stage_text(ProbeStage stage, const std::string& where) {
  return fmt::format(fmt::runtime(stage_row(stage).context), where);
}

}  // namespace

void check_probe_options(const ProbeOptions& options) {
  if (options.timeout_seconds < 1 || options.timeout_seconds > 3600) {
    throw Error(fmt::format("--timeout: {} is not between 1 and 3600 seconds", options.timeout_seconds));
  }
  if (!options.tls_version.empty() && options.tls_version != "1.2" && options.tls_version != "1.3") {
    throw Error(fmt::format("TLS version '{}' cannot be pinned", options.tls_version), {}, "use --tls1_2 or --tls1_3");
  }
}

std::string_view probe_stage_name(ProbeStage stage) { return stage_row(stage).name; }

std::string default_ehlo_name() {
  char buf[256] = "";
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost.localdomain";
  std::string name(buf);
  if (name.find('.') == std::string::npos) return "localhost.localdomain";
  return name;
}

ossl::Ptr<SSL_CTX> probe_context(const ProbeOptions& options) {
  return make_client_ctx({options.cacert, options.cacert_path, options.cert, options.key, options.tls_version});
}

ProbeReport probe(const ProbeOptions& options) {
  check_probe_options(options);
  auto ctx = probe_context(options);
  return probe(options, ctx.get());
}

ProbeReport probe(const ProbeOptions& options, SSL_CTX* ctx) {
  check_probe_options(options);
  if (ctx == nullptr) throw Error("probe: no TLS context", {}, "make one with probe_context(options)");
  ProbeReport report;
  report.smtps = options.smtps;
  report.endpoint = parse_endpoint(options.target, options.smtps ? 465 : 25);
  report.servername = options.servername.empty() ? report.endpoint.host : options.servername;
  report.ehlo_name = options.ehlo.empty() ? default_ehlo_name() : options.ehlo;
  if (report.ehlo_name.find_first_of(" \r\n\t") != std::string::npos) {
    throw Error(fmt::format("--ehlo: '{}' is not a host name", printable(report.ehlo_name)));
  }
  report.verify_skipped = options.insecure_skip_verify;
  report.trust = !options.cacert.empty()        ? fmt::format("CA file {}", options.cacert)
                 : !options.cacert_path.empty() ? fmt::format("CA directory {}", options.cacert_path)
                                                : std::string("the system trust store");
  if (!options.cacert.empty() && !options.cacert_path.empty()) {
    report.trust = fmt::format("CA file {} and CA directory {}", options.cacert, options.cacert_path);
  }

  Dialogue dialogue(options, report);
  try {
    dialogue.run(ctx);
  } catch (const NetError& e) {
    ProbeFailure f;
    f.code = e.code();
    f.stage = dialogue.stage();
    std::string context = stage_text(f.stage, dialogue.where());
    if (f.code == "timeout" && options.deadline_seconds > 0 && Clock::now() >= dialogue.end()) {
      f.message = fmt::format("{}: the target's deadline of {} s passed", context, options.deadline_seconds);
    } else if (f.code == "timeout") {
      f.message = fmt::format("{}: no answer within {} s", context, options.timeout_seconds);
    } else if (std::string_view(e.what()).find(dialogue.where()) != std::string_view::npos) {
      f.message = e.what();  // already names the server
    } else {
      f.message = fmt::format("{}: {}", context, e.what());
    }
    f.hint = e.hint();
    if (f.code == "garbage" && f.stage == ProbeStage::Greeting && !report.smtps) {
      f.hint = "if this port speaks TLS at once (465), probe it with --smtps";
    }
    f.alert = dialogue.alert();
    report.failure = std::move(f);
  }
  return report;
}

}  // namespace mtlscert
