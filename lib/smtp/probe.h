// probe.h: see a mail server's STARTTLS the way its peers do.
//
// probe() connects, reads the greeting, says EHLO, asks for STARTTLS (or starts
// TLS at once for --smtps), runs the handshake with SNI, verifies the chain and
// the name, records whether a client certificate was requested and with which
// acceptable CA names, says EHLO again over TLS and reads the verdict on the
// client certificate there (TLS 1.3 servers reject it after the handshake).
// Every wait is bounded by the timeout; every reply by ReplyLimits.
#pragma once

#include <cstddef>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "bundle/ca_list.h"
#include "core/finding.h"
#include "core/ossl.h"
#include "pki/cert_info.h"
#include "smtp/reply.h"
#include "smtp/transport.h"

namespace mtlscert {

struct ProbeOptions {
  std::string target;        ///< HOST[:PORT], [IPV6]:PORT
  bool smtps = false;        ///< implicit TLS (default port 465) instead of STARTTLS (25)
  std::string ehlo;          ///< empty: default_ehlo_name()
  std::string servername;    ///< SNI and the name verified; empty: the host
  std::string cacert;        ///< CA file; with cacert_path empty too: the system store
  std::string cacert_path;   ///< hashed CA directory
  std::string cert;          ///< client certificate (chain) to present
  std::string key;           ///< its key
  int timeout_seconds = 10;  ///< connect, each reply, the handshake
  /// deadline_seconds: when > 0, the whole dialogue ends by then too (probe -f: a target's deadline)
  int deadline_seconds = 0;
  std::string tls_version;   ///< "", "1.2" or "1.3"
  bool insecure_skip_verify = false;
  ReplyLimits limits;
  CaListThresholds thresholds;
  std::time_t now = 0;  ///< for days_left; 0: the current time
};

struct VerifyError {
  int depth = 0;
  int code = 0;        ///< X509_V_ERR_*
  std::string reason;  ///< X509_verify_cert_error_string
  std::string subject;
};

/// ClientCertStatus: what happened to the client certificate.
enum class ClientCertStatus {
  NotRequested,  ///< the server sent no CertificateRequest
  NoneSent,      ///< requested, none presented (no --cert), session went on
  Accepted,      ///< presented, and the server talked after the handshake
  Rejected,      ///< the server ended the session with an alert because of it (or its absence)
  Unknown,       ///< the dialogue stopped before the server's verdict
};
std::string_view client_cert_status_name(ClientCertStatus s);  ///< "not-requested", …

/// ProbeStage: where in the dialogue a probe is (and, on failure, where it stopped).
enum class ProbeStage { Connect, Greeting, Ehlo, Starttls, Handshake, PostTlsEhlo };
/// probe_stage_name: "connect", "greeting", "ehlo", "starttls", "handshake", "post-tls-ehlo" (JSON).
std::string_view probe_stage_name(ProbeStage stage);

struct ProbeFailure {
  std::string code;  ///< NetError code: "refused", "timeout", "no-starttls", "tls-alert", …
  ProbeStage stage = ProbeStage::Connect;
  std::string message;
  std::string hint;
  int alert = -1;  ///< TLS alert number received, if any
};

struct ProbeReport {
  Endpoint endpoint;
  std::string peer_address;  ///< numeric address connected to
  bool smtps = false;
  std::string servername;
  std::string ehlo_name;
  std::string trust;  ///< "system trust store", "CA file /x", …

  std::optional<SmtpReply> greeting;
  std::optional<SmtpReply> ehlo;          ///< before TLS (STARTTLS mode)
  std::vector<std::string> capabilities;  ///< before TLS
  bool starttls_offered = false;
  std::optional<SmtpReply> starttls_reply;

  bool tls = false;  ///< the handshake completed
  std::string tls_version, cipher, group, signature_algorithm;
  std::vector<CertInfo> chain;  ///< as sent by the server, leaf first
  std::vector<std::string> chain_der;  ///< the same certificates in DER, for DANE matching (not in JSON)

  bool verify_skipped = false;
  bool verified = false;
  std::vector<VerifyError> verify_errors;
  bool name_matches = false;

  bool client_cert_requested = false;
  std::vector<std::string> ca_names;  ///< RFC 2253 subjects, as sent
  CaListSize ca_list;
  std::size_t certificate_request_bytes = 0;
  std::string ca_list_verdict;
  bool client_cert_sent = false;
  ClientCertStatus client_cert = ClientCertStatus::NotRequested;

  std::optional<SmtpReply> post_tls_ehlo;
  std::vector<std::string> post_tls_capabilities;

  std::vector<Finding> findings;  ///< CA-list size and other server findings
  std::optional<ProbeFailure> failure;

  /// exit_code: 2 when the probe could not run to a verdict (failure other than
  /// "no-starttls"), else the one exit policy over all_findings().
  int exit_code() const;
  /// all_findings: the server's findings plus the verification and name failures and a
  /// missing STARTTLS, each as an error-level finding ("verify-failed", "name-mismatch",
  /// "no-certificate", "no-starttls").
  std::vector<Finding> all_findings() const;
  /// could_not_run: a failure that stopped the probe before a verdict (refused, timeout,
  /// garbage, TLS alert…); "no-starttls" is a finding about the server instead.
  bool could_not_run() const { return failure && failure->code != "no-starttls"; }
  /// verdict: the one-line summary printed first.
  std::string verdict() const;
};

/// probe runs the whole dialogue. Throws Error only for bad options (target,
/// unreadable CA/cert/key files); every network or protocol failure is recorded
/// in report.failure with what was seen up to then.
ProbeReport probe(const ProbeOptions& options);

/// check_probe_options throws Error for a timeout or TLS version probe() refuses.
void check_probe_options(const ProbeOptions& options);

/// probe_context: the TLS client context probe() builds from options (trust, client
/// certificate, version). Throws Error like probe(). One context serves many probes at
/// once, from several threads (probe -f): it is only read after it is made.
ossl::Ptr<SSL_CTX> probe_context(const ProbeOptions& options);
/// probe with a context from probe_context(options).
ProbeReport probe(const ProbeOptions& options, SSL_CTX* ctx);

/// default_ehlo_name: gethostname() as is when it holds a dot, else
/// "localhost.localdomain" (no DNS lookup).
std::string default_ehlo_name();

/// probe_json: the --json document, schema "mtlscert.probe/1".
std::string probe_json(const ProbeReport& report);
/// to_json: the same document as a value (probe -f builds one a target: no text round trip).
void to_json(nlohmann::ordered_json& j, const ProbeReport& report);

}  // namespace mtlscert
