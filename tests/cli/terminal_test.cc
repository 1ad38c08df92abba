// Terminal habits: colour only on a terminal and never with NO_COLOR; --quiet prints only
// errors and the result; the progress spinner only on a terminal and never with --json or
// --quiet. A terminal is a pseudo-terminal from util-linux `script`, which copies what the
// program wrote to it (stdout and stderr together) to its own stdout.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "pki.h"
#include "process.h"
#include "tempdir.h"

using namespace mtlscert::test;

namespace {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// on_terminal runs mtlscert ARGS with stdout and stderr on a pseudo-terminal, TERM=xterm.
RunResult on_terminal(const std::vector<std::string>& args, std::vector<std::pair<std::string, std::string>> env = {}) {
  std::string command = "exec " + shell_quote(MTLSCERT_BIN);
  for (const auto& a : args) command += " " + shell_quote(a);
  env.emplace_back("TERM", "xterm");
  return run({"script", "-qec", command, "/dev/null"}, {.env = env});
}

bool has_escape(const std::string& s) { return s.find('\x1b') != std::string::npos; }

const std::pair<std::string, std::string> kColorOk{"NO_COLOR", ""};

}  // namespace

TEST_CASE("colour: only on a terminal, never with NO_COLOR or TERM=dumb") {
  TempDir dir;
  const std::vector<std::string> bad = {"genkey", "--type", "dsa", "-o", dir.file("k.pem")};
  const std::vector<std::string> warns = {"genkey", "--type", "ed25519", "-o", dir.file("w.pem")};

  auto tty = on_terminal(bad, {kColorOk});
  REQUIRE(tty.out.find("unknown key type 'dsa'") != std::string::npos);
  CHECK(tty.out.find("mtlscert: \x1b[31merror:\x1b[0m") != std::string::npos);  // the control: a terminal gets colour

  auto no_color = on_terminal(bad, {{"NO_COLOR", "1"}});
  CHECK(no_color.out.find("mtlscert: error: --type: unknown key type 'dsa'") != std::string::npos);
  CHECK_FALSE(has_escape(no_color.out));
  auto dumb =
      run({"script", "-qec", "TERM=dumb exec " + shell_quote(MTLSCERT_BIN) + " genkey --type dsa -o x", "/dev/null"},
          {.env = {kColorOk}});
  CHECK(dumb.out.find("mtlscert: error: --type") != std::string::npos);
  CHECK_FALSE(has_escape(dumb.out));

  auto w = on_terminal(warns, {{"NO_COLOR", "1"}});
  CHECK(w.out.find("key-choice: most SMTP peers cannot use an Ed25519") != std::string::npos);  // a finding
  CHECK_FALSE(has_escape(w.out));

  // Not a terminal (pipes), even with a colour-capable TERM and NO_COLOR empty: plain text.
  for (const auto& args : {bad, std::vector<std::string>{"genkey", "--type", "ed25519", "-o", dir.file("p.pem")}}) {
    auto piped = run_mtlscert(args, {.env = {kColorOk, {"TERM", "xterm"}}});
    CHECK((piped.err.find("mtlscert: ") != std::string::npos || piped.out.find("key-choice: ") != std::string::npos));
    CHECK_FALSE(has_escape(piped.out));
    CHECK_FALSE(has_escape(piped.err));
  }
}

TEST_CASE("--quiet prints only errors and the result") {
  TempDir dir;
  // The control: without --quiet, genkey --group says what is next and warns.
  auto loud = run_mtlscert({"genkey", "--type", "ecdsa", "--group", "0", "-o", dir.file("a.pem")});
  REQUIRE(loud.exit_code == 0);
  CHECK(loud.out.find("Next: ") != std::string::npos);
  CHECK(loud.out.find("warn   key-choice: ") != std::string::npos);

  for (const char* flag : {"--quiet", "-q"}) {
    CAPTURE(flag);
    TempDir d;
    auto quiet = run_mtlscert({"genkey", flag, "--type", "ecdsa", "--group", "0", "-o", d.file("k.pem")});
    CHECK(quiet.exit_code == 0);
    CHECK(quiet.out.rfind("Wrote key " + d.file("k.pem") + " (ECDSA P-256, mode 0640, group ", 0) == 0);
    CHECK(quiet.out.find('\n') == quiet.out.size() - 1);  // one line: the result
    CHECK(quiet.err.empty());

    auto failed = run_mtlscert({"genkey", flag, "-o", d.file("k.pem")});
    CHECK(failed.exit_code == 2);
    CHECK(failed.out.empty());
    CHECK(failed.err.find("mtlscert: error: refusing to replace key file") != std::string::npos);
  }
}

TEST_CASE("progress: on a terminal only, never with --json or --quiet") {
  TempDir dir;
  const std::pair<std::string, std::string> now{"MTLSCERT_PROGRESS_DELAY_MS", "0"};  // show at once
  const std::string spinner = "Generating the ECDSA P-256 key...";

  auto shown = on_terminal({"genkey", "--type", "ecdsa", "-o", dir.file("a.pem")}, {now});
  REQUIRE(shown.out.find("Wrote key") != std::string::npos);
  CHECK(shown.out.find("\r" + spinner + " |") != std::string::npos);  // the control

  auto json = on_terminal({"genkey", "--json", "--type", "ecdsa", "-o", dir.file("b.pem")}, {now});
  CHECK(json.out.find("\"schema\"") != std::string::npos);
  CHECK(json.out.find(spinner) == std::string::npos);
  CHECK(json.out.rfind("{", 0) == 0);  // the terminal shows the JSON document and nothing before it

  auto quiet = on_terminal({"genkey", "--quiet", "--type", "ecdsa", "-o", dir.file("c.pem")}, {now});
  CHECK(quiet.out.find("Wrote key") != std::string::npos);
  CHECK(quiet.out.find(spinner) == std::string::npos);

  auto piped = run_mtlscert({"genkey", "--type", "ecdsa", "-o", dir.file("d.pem")}, {.env = {now}});
  CHECK(piped.exit_code == 0);
  CHECK(piped.err.find(spinner) == std::string::npos);
  CHECK(piped.out.find(spinner) == std::string::npos);
}

TEST_CASE("inspect: ESC and NUL in a certificate's CN and SAN are shown escaped, never raw") {
  TempDir dir;
  using mtlscert::test::make_cert;
  auto evil = make_cert(
      {.cn = std::string("evil\x1b[2J") + '\0' + "cn", .ca = false, .dns = {std::string("a\x1b]0;t\x07.example")}});
  std::string path = dir.write("evil.pem", evil.cert_pem());
  auto r = run_mtlscert({"inspect", path});
  CAPTURE(r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find('\x1b') == std::string::npos);
  CHECK(r.out.find('\x07') == std::string::npos);
  CHECK(r.out.find("DNS:a\\x1b]0;t\\x07.example") != std::string::npos);  // the SAN, through the filter
  CHECK(r.out.find("CN=evil\\1B[2J") != std::string::npos);               // the CN, RFC 2253-escaped

  r = run_mtlscert({"inspect", "--json", path});
  CHECK(r.out.find('\x1b') == std::string::npos);
  CHECK(r.out.find("\\u001b[2J") != std::string::npos);
}
