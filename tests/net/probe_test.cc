// probe against a scripted loopback SMTP server: the documented exit code and
// message for each good, broken and hostile behaviour.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "bundle/ca_list.h"
#include "fake_smtp.h"
#include "pki.h"
#include "process.h"
#include "tempdir.h"

using namespace mtlscert;
using namespace mtlscert::test;
using json = nlohmann::json;

namespace {

const char* const kName = "mx.test.example";

// One PKI for the whole file: a server CA and its leaf, a client CA and its
// client, and the deliberately broken certificates.
struct Pki {
  Issued ca = make_cert({.cn = "Probe Test Root CA", .extra_rdns = {{"O", "mtlscert tests"}}});
  Issued leaf = make_cert({.cn = kName, .ca = false, .dns = {kName}, .eku = "serverAuth"}, &ca);
  Issued expired = make_cert({.cn = kName,
                              .ca = false,
                              .dns = {kName},
                              .eku = "serverAuth",
                              .not_before = "20000101000000Z",
                              .not_after = "20010101000000Z"},
                             &ca);
  Issued other_ca = make_cert({.cn = "Somebody Else's CA"});
  Issued stranger = make_cert({.cn = kName, .ca = false, .dns = {kName}, .eku = "serverAuth"}, &other_ca);
  Issued client_ca = make_cert({.cn = "Probe Test Client CA"});
  Issued client = make_cert(
      {.cn = "client.test.example", .ca = false, .dns = {"client.test.example"}, .eku = "clientAuth"}, &client_ca);
  Issued rogue_client = make_cert({.cn = "rogue.test.example", .ca = false, .eku = "clientAuth"}, &other_ca);
  TempDir dir;
  std::string ca_pem = dir.write("ca.pem", ca.cert_pem());
  std::string client_pem = dir.write("client.pem", client.cert_pem());
  std::string client_key = dir.write("client.key", client.key_pem(), 0600);
  std::string rogue_pem = dir.write("rogue.pem", rogue_client.cert_pem());
  std::string rogue_key = dir.write("rogue.key", rogue_client.key_pem(), 0600);
};

Pki& pki() {
  static Pki p;
  return p;
}

FakeTls good_tls(Issued& leaf) { return FakeTls{.cert = leaf.cert.get(), .key = leaf.key.get()}; }

bool has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

std::vector<std::string> probe_args(const FakeSmtpServer& s, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"probe",      s.address(), "--servername",       kName,       "--cacert",
                                pki().ca_pem, "--ehlo",    "probe.test.example", "--timeout", "5"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

json probe_json(const FakeSmtpServer& s, std::vector<std::string> extra, int want_exit) {
  extra.push_back("--json");
  auto r = run_mtlscert(probe_args(s, extra));
  CAPTURE(r.out);
  CAPTURE(r.err);
  CHECK(r.exit_code == want_exit);
  json envelope = json::parse(r.out);
  CHECK(envelope["schema"] == "mtlscert.probe/3");
  CHECK(envelope["exit_code"] == want_exit);
  // The probe's own fields are the envelope's "result"; its findings stay beside them.
  json j = envelope["result"];
  j["findings"] = envelope["findings"];
  return j;
}

}  // namespace

TEST_CASE("probe: a good STARTTLS server verifies, exit 0, and is reported in full") {
  FakeSmtpServer s({.tls = good_tls(pki().leaf)});
  auto r = run_mtlscert(probe_args(s));
  CAPTURE(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("OK: " + s.address() +
                        " offers STARTTLS and the TLSv1.3 handshake works; the certificate "
                        "verifies for mx.test.example.\n",
                    0) == 0);
  CHECK(has(r.out, "Greeting:      220 fake.test.example ESMTP fake ready"));
  CHECK(has(r.out, "Capabilities:  PIPELINING, SIZE 10240000, STARTTLS, 8BITMIME"));
  CHECK(has(r.out, "Verification:  OK against CA file " + pki().ca_pem));
  CHECK(has(r.out, "Name:          mx.test.example matches the certificate"));
  CHECK(has(r.out, "Client cert:   not requested by the server"));
  CHECK(has(r.out, "After TLS:     250 fake.test.example Hello, TLS"));
  CHECK(has(r.out, "[0] CN=mx.test.example"));
  CHECK(r.err.empty());
  // The server saw the dialogue a peer would run, EHLO with the name given.
  auto cmds = s.commands();
  REQUIRE(cmds.size() >= 4);
  CHECK(cmds[0] == "EHLO probe.test.example");
  CHECK(cmds[1] == "STARTTLS");
  CHECK(cmds[2] == "TLS EHLO probe.test.example");
  CHECK(cmds[3] == "TLS QUIT");

  json j = probe_json(s, {}, 0);
  CHECK(j["starttls_offered"] == true);
  CHECK(j["tls"]["version"] == "TLSv1.3");
  CHECK(j["tls"]["cipher"].get<std::string>().rfind("TLS_", 0) == 0);
  CHECK(!j["tls"]["group"].get<std::string>().empty());
  CHECK(j["tls"]["signature_algorithm"] == "ECDSA with SHA256");
  CHECK(j["verification"]["verified"] == true);
  CHECK(j["name"]["matches"] == true);
  CHECK(j["chain"][0]["dns_names"][0] == kName);
  CHECK(j["client_certificate"]["status"] == "not-requested");
  CHECK(j["post_tls_ehlo"]["code"] == 250);
  CHECK(j["error"].is_null());
}

TEST_CASE("probe: --tls1_2 pins TLS 1.2, --smtps speaks TLS at once, [::1] works") {
  {
    FakeSmtpServer s({.tls = good_tls(pki().leaf)});
    json j = probe_json(s, {"--tls1_2"}, 0);
    CHECK(j["tls"]["version"] == "TLSv1.2");
    CHECK(j["tls"]["cipher"].get<std::string>().find("ECDHE-ECDSA") == 0);
  }
  {
    FakeSmtpServer s({.tls = good_tls(pki().leaf), .smtps = true});
    json j = probe_json(s, {"--smtps"}, 0);
    CHECK(j["target"]["mode"] == "smtps");
    CHECK(j["greeting"]["lines"][0] == "fake.test.example ESMTP fake ready (TLS)");
    CHECK(j["post_tls_ehlo"]["code"] == 250);
  }
  std::unique_ptr<FakeSmtpServer> v6;
  try {
    v6 = std::make_unique<FakeSmtpServer>(FakeSmtpOptions{.tls = good_tls(pki().leaf), .ipv6 = true});
  } catch (const std::exception& e) {
    MESSAGE("IPv6 loopback unavailable, skipping the [::1] case: " << e.what());
    return;
  }
  json j = probe_json(*v6, {}, 0);
  CHECK(j["target"]["address"] == "::1");
  CHECK(j["summary"].get<std::string>().rfind("OK: [::1]:" + std::to_string(v6->port()), 0) == 0);
}

TEST_CASE("probe: STARTTLS not offered is a finding about the server, exit 1, not exit 2") {
  FakeSmtpServer s({.behaviour = Behaviour::NoStarttls, .tls = good_tls(pki().leaf)});
  auto r = run_mtlscert(probe_args(s, {}), {.timeout_seconds = 30});
  CAPTURE(r.out);
  CAPTURE(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.rfind("PROBLEM: ", 0) == 0);
  CHECK(has(r.out, "error  no-starttls: "));
  CHECK(has(r.out, "does not offer STARTTLS in its EHLO reply"));
  json j = probe_json(s, {}, 1);
  CHECK(j["findings"][0]["code"] == "no-starttls");
}

TEST_CASE("probe: broken and hostile servers end within the timeout with exit 2 and a clear message") {
  struct Row {
    Behaviour behaviour;
    std::vector<std::string> extra;
    std::string code;     // error.code in JSON
    std::string message;  // substring of stderr
  };
  const Row rows[] = {
      {Behaviour::Refuse454,
       {},
       "reply",
       "answered STARTTLS with '454 4.7.0 TLS not available due to local problem', expected 220"},
      {Behaviour::EndlessMultiline, {}, "too-many-lines", "the server sent more than 512 lines in one 250 reply"},
      {Behaviour::HugeLine, {}, "line-too-long", "the server sent a line longer than 4096 bytes"},
      {Behaviour::Silent, {"--timeout", "1"}, "timeout", "no answer within 1 s"},
      {Behaviour::CloseAfterStarttls, {}, "closed", "the server closed the connection during the handshake"},
      {Behaviour::Greeting554,
       {},
       "reply",
       "answered greeting with '554 5.3.2 fake.test.example go away', expected 220"},
      {Behaviour::GarbageGreeting, {}, "garbage", "not an SMTP reply: 'HTTP/1.1 400 Bad Request'"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.code);
    CAPTURE(row.message);
    FakeSmtpServer s({.behaviour = row.behaviour, .tls = good_tls(pki().leaf)});
    auto r = run_mtlscert(probe_args(s, row.extra), {.timeout_seconds = 30});
    CAPTURE(r.out);
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    CHECK(!r.timed_out);
    CHECK(r.out.rfind("FAILED: ", 0) == 0);
    CHECK(has(r.err, "mtlscert: error: "));
    CHECK(has(r.err, row.message));
    json j = probe_json(s, row.extra, 2);
    CHECK(j["error"]["code"] == row.code);
  }
}

TEST_CASE("probe: silence is reported as a timeout of the stage it happened in") {
  FakeSmtpServer s({.behaviour = Behaviour::Silent});
  auto r = run_mtlscert(probe_args(s, {"--timeout", "1"}));
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "mtlscert: error: waiting for the greeting of " + s.address() + ": no answer within 1 s"));
}

TEST_CASE("probe: a garbage greeting suggests --smtps, a refused port says nothing listens") {
  FakeSmtpServer s({.behaviour = Behaviour::GarbageGreeting});
  auto r = run_mtlscert(probe_args(s));
  CHECK(has(r.err, "mtlscert: hint: if this port speaks TLS at once (465), probe it with --smtps"));

  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), len) == 0);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  std::string target = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  ::close(fd);  // bound, never listening: the port is closed
  r = run_mtlscert({"probe", target, "--timeout", "2"});
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "mtlscert: error: cannot connect to " + target + ": Connection refused"));
  CHECK(has(r.err, "nothing listens on that port"));
}

TEST_CASE("probe: verification and name failures exit 1 with OpenSSL's reason") {
  struct Row {
    Issued* leaf;
    std::vector<std::string> extra;
    std::string verdict;  // substring of the first line
    std::string detail;   // substring of stdout
  };
  Row rows[] = {
      {&pki().expired,
       {},
       "but the certificate does not verify (certificate has expired).",
       "certificate has expired (depth 0: CN=mx.test.example)"},
      {&pki().stranger,
       {},
       "but the certificate does not verify (unable to get local issuer certificate).",
       "Verification:  FAILED against CA file"},
      {&pki().leaf,
       {"--servername", "wrong.test.example"},
       "but the certificate is not valid for wrong.test.example.",
       "Name:          wrong.test.example does NOT match the certificate"},
  };
  for (auto& row : rows) {
    CAPTURE(row.verdict);
    FakeSmtpServer s({.tls = good_tls(*row.leaf)});
    auto r = run_mtlscert(probe_args(s, row.extra));
    CAPTURE(r.out);
    CHECK(r.exit_code == 1);
    std::string first = r.out.substr(0, r.out.find('\n'));
    CHECK(first.rfind("PROBLEM: " + s.address() + " offers STARTTLS and the TLSv1.3 handshake works, ", 0) == 0);
    CHECK(has(first, row.verdict));
    CHECK(has(r.out, row.detail));
  }
}

TEST_CASE("probe: --insecure-skip-verify warns, says verification was skipped, and exits 0") {
  FakeSmtpServer s({.tls = good_tls(pki().stranger)});
  auto r = run_mtlscert(probe_args(s, {"--insecure-skip-verify"}));
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("OK (verification skipped): ", 0) == 0);
  CHECK(has(r.out, "Verification:  SKIPPED (--insecure-skip-verify); against CA file " + pki().ca_pem +
                       " it would be FAILED: unable to get local issuer certificate"));
  CHECK(has(r.err, "mtlscert: warning: --insecure-skip-verify: the certificate chain and name are not enforced"));
}

TEST_CASE("probe: a 20 KB list of acceptable CA names is measured exactly and judged ca-list-record (exit 1)") {
  // 150 distinct names of ~130 bytes DER each: about 20 KB, more than one TLS record.
  std::vector<ossl::Ptr<X509_NAME>> names;
  std::vector<X509_NAME*> borrowed;
  std::size_t expected = 2;
  for (int i = 0; i < 150; ++i) {
    ossl::Ptr<X509_NAME> n(X509_NAME_new());
    std::string o = "Example Trust Services Organisation Number " + std::to_string(i);
    std::string cn = "Example Global Root Certification Authority G" + std::to_string(i) + " for mail";
    X509_NAME_add_entry_by_txt(n.get(), "C", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("FR"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(n.get(), "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(o.c_str()), -1, -1,
                               0);
    X509_NAME_add_entry_by_txt(n.get(), "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                               0);
    expected += 2 + static_cast<std::size_t>(i2d_X509_NAME(n.get(), nullptr));
    borrowed.push_back(n.get());
    names.push_back(std::move(n));
  }
  REQUIRE(expected > 16000);
  REQUIRE(expected < 32000);
  FakeTls tls = good_tls(pki().leaf);
  tls.request_client_cert = true;
  tls.ca_names = borrowed;
  tls.client_trust = {pki().client_ca.cert.get()};
  for (const char* version : {"--tls1_3", "--tls1_2"}) {
    CAPTURE(version);
    FakeSmtpServer s({.tls = tls});
    json j = probe_json(s, {version}, 1);
    CHECK(j["client_certificate"]["requested"] == true);
    CHECK(j["client_certificate"]["ca_list"]["unique_names"] == 150);
    CHECK(j["client_certificate"]["ca_list"]["list_bytes"] == expected);
    CHECK(j["client_certificate"]["certificate_request_bytes"].get<std::size_t>() > expected);
    CHECK(j["client_certificate"]["ca_names"][0] ==
          "CN=Example Global Root Certification Authority G0 for mail,"
          "O=Example Trust Services Organisation Number 0,C=FR");
    CHECK(j["client_certificate"]["status"] == "none-sent");
    REQUIRE(j["findings"].size() == 1);
    CHECK(j["findings"][0]["code"] == "ca-list-record");
    CHECK(has(j["summary"].get<std::string>(),
              "its list of acceptable CAs is " + with_commas(expected) + " bytes (ca-list-record)"));
  }
  FakeSmtpServer s({.tls = tls});
  auto r = run_mtlscert(probe_args(s));
  CHECK(r.exit_code == 1);
  CHECK(has(r.out, "Client cert:   requested; 150 acceptable CA names, list " + with_commas(expected) + " bytes"));
  CHECK(has(r.out, "The CA list is " + with_commas(expected) +
                       " bytes (150 names), above 16,000: it no longer fits "
                       "one TLS record"));
  CHECK(has(r.out, "... and 142 more (--json lists all)"));
}

TEST_CASE("probe: the client certificate is accepted, rejected, or missing, and says so") {
  FakeTls tls = good_tls(pki().leaf);
  tls.request_client_cert = true;
  tls.require_client_cert = true;
  tls.client_trust = {pki().client_ca.cert.get()};
  tls.ca_names = {X509_get_subject_name(pki().client_ca.cert.get())};
  const std::size_t small_list = 2 + 2 + static_cast<std::size_t>(subject_der_length(pki().client_ca.cert.get()));

  SUBCASE("accepted (TLS 1.3, verdict after the handshake)") {
    FakeSmtpServer s({.tls = tls});
    json j = probe_json(s, {"--cert", pki().client_pem, "--key", pki().client_key}, 0);
    CHECK(j["client_certificate"]["status"] == "accepted");
    CHECK(j["client_certificate"]["sent"] == true);
    CHECK(j["client_certificate"]["ca_list"]["list_bytes"] == small_list);
    CHECK(j["client_certificate"]["ca_names"][0] == "CN=Probe Test Client CA");
    CHECK(j["findings"].empty());
    CHECK(s.client_subject() == "CN=client.test.example");
  }
  SUBCASE("rejected: unknown CA, TLS 1.3: alert 48 arrives with the EHLO reply") {
    FakeSmtpServer s({.tls = tls});
    auto r = run_mtlscert(probe_args(s, {"--cert", pki().rogue_pem, "--key", pki().rogue_key}));
    CAPTURE(r.out);
    CHECK(r.exit_code == 2);
    CHECK(has(r.err, "mtlscert: error: " + s.address() +
                         " rejected the client certificate after the handshake with TLS alert 48 (unknown_ca)"));
    CHECK(has(r.err, "likely cause: the server does not trust the CA that issued the client certificate"));
    CHECK(has(r.out, "REJECTED by the server"));
    json j = probe_json(s, {"--cert", pki().rogue_pem, "--key", pki().rogue_key}, 2);
    CHECK(j["error"]["alert"] == 48);
    CHECK(j["error"]["stage"] == "post-tls-ehlo");
    CHECK(j["client_certificate"]["status"] == "rejected");
    CHECK(j["tls"]["version"] == "TLSv1.3");
  }
  SUBCASE("rejected: unknown CA, TLS 1.2: alert 48 during the handshake") {
    FakeSmtpServer s({.tls = tls});
    auto r = run_mtlscert(probe_args(s, {"--tls1_2", "--cert", pki().rogue_pem, "--key", pki().rogue_key}));
    CHECK(r.exit_code == 2);
    CHECK(has(r.err, "mtlscert: error: TLS handshake with " + s.address() +
                         ": the server sent TLS alert 48 (unknown_ca) during the handshake"));
  }
  SUBCASE("missing: TLS 1.3 server requires one, none sent: alert 116") {
    FakeSmtpServer s({.tls = tls});
    auto r = run_mtlscert(probe_args(s));
    CAPTURE(r.out);
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    CHECK(has(r.err,
              "rejected the client (no certificate sent) after the handshake with TLS alert 116 "
              "(certificate_required)"));
    CHECK(has(r.err, "pass --cert and --key"));
  }
}

TEST_CASE("probe: plaintext sent after the 220 to STARTTLS is an error-level finding") {
  FakeSmtpServer s({.behaviour = Behaviour::InjectAfterStarttls, .tls = good_tls(pki().leaf)});
  json j = probe_json(s, {}, 1);
  REQUIRE(j["findings"].size() == 1);
  CHECK(j["findings"][0]["code"] == "starttls-injection");
}

TEST_CASE("probe: bad options exit 2 before connecting") {
  struct Row {
    std::vector<std::string> args;
    std::string message;
  };
  const Row rows[] = {
      {{"probe", "127.0.0.1:0"}, "'127.0.0.1:0': the port must be a number from 1 to 65535, got '0'"},
      {{"probe", "[::1"}, "'[::1': unclosed '[' in the address"},
      {{"probe", "127.0.0.1:25", "--cacert", "/nonexistent/ca.pem"}, "CA file '/nonexistent/ca.pem': No such file"},
      {{"probe", "127.0.0.1:25", "--cert", "/x.pem"}, "--cert and --key go together"},
      {{"probe", "127.0.0.1:25", "--tls1_2", "--tls1_3"}, "--tls1_2 and --tls1_3 exclude each other"},
      {{"probe", "127.0.0.1:25", "--timeout", "0"}, "--timeout: 0 is not between 1 and 3600 seconds"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.message);
    auto r = run_mtlscert(row.args);
    CHECK(r.exit_code == 2);
    CHECK(has(r.err, "mtlscert: error: " + row.message));
  }
}

TEST_CASE("probe: a greeting with ESC and NUL reaches the terminal escaped, and JSON-escaped in --json") {
  FakeSmtpServer s({.behaviour = Behaviour::EscapeGreeting, .tls = good_tls(pki().leaf)});
  auto r = run_mtlscert(probe_args(s, {}));
  CAPTURE(r.out);
  CAPTURE(r.err);
  const std::string both = r.out + r.err;
  CHECK(both.find('\x1b') == std::string::npos);
  CHECK(both.find('\0') == std::string::npos);
  CHECK(both.find('\x07') == std::string::npos);
  CHECK((both.find("\\x1b[2J") != std::string::npos || both.find("\\x1B[2J") != std::string::npos));

  r = run_mtlscert(probe_args(s, {"--json"}));
  CHECK(r.out.find('\x1b') == std::string::npos);
  CHECK(r.out.find("\\u001b[2J") != std::string::npos);
}
