#include "postfix/init.h"

#include <sys/stat.h>

#include <filesystem>

#include <fmt/format.h>

#include "core/io.h"
#include "postfix/access.h"
#include "postfix/config.h"
#include "postfix/emit.h"
#include "postfix/preflight.h"

namespace mtlscert {
namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

void write_postfix_lines(InitResult& r, const InitLines& f, std::string_view version) {
  const std::string fragment_path = r.dir + "/" + std::string(kPostfixFragmentName);
  const std::string table = r.dir + "/" + std::string(kPostfixRelayTableName);
  r.mc_path = fragment_path;
  PostfixEmitRequest e;
  e.server_cert = f.cert;
  e.server_key = f.key;
  e.cacert = f.cacert;
  e.cacert_path = f.capath;
  auto settings = postfix_settings(e);
  for (auto& s : postfix_relay_settings(table)) {
    bool replaced = false;
    for (auto& old : settings)
      if (old.first == s.first) old.second = s.second, replaced = true;
    if (!replaced) settings.push_back(s);
  }
  // The table first: the fragment names it, and smtpd refuses to start with a missing table.
  if (!exists(table)) {
    io::write_file_atomic(table,
                          "# relay_clientcerts: SHA-256 fingerprints of client certificates that may relay.\n"
                          "# Add lines with: mtlscert access --mta postfix --client CLIENT.crt\n",
                          {0644, false, std::nullopt, "relay_clientcerts table"});
    r.files.push_back({table, 0644, "relay_clientcerts: client certificates that may relay (texthash)", "created"});
  } else {
    r.files.push_back({table, 0644, "relay_clientcerts: client certificates that may relay (texthash)",
                       "already present; unchanged"});
  }
  const std::string text = postfix_fragment(settings, "Postfix STARTTLS parameters (mtlscert init)", version);
  const std::string purpose = "the main.cf parameters (append to /etc/postfix/main.cf)";
  if (exists(f.cert)) {
    PreflightContext ctx;
    ctx.host = r.host;
    ctx.now = f.now;
    MainCf cf(settings.begin(), settings.end());
    r.findings = preflight_postfix_tls(postfix_tls_from(cf, nullptr), ctx);
    r.checked = true;
    r.blocked = has_level(r.findings, Level::Error);
  }
  std::string status;
  if (r.blocked) {
    status = "not written: the pre-flight found errors (below)";
  } else {
    std::string old;
    if (exists(fragment_path)) old = io::read_file(fragment_path, "main.cf fragment");
    if (old == text) {
      status = "already present; unchanged";
    } else {
      io::write_file_atomic(fragment_path, text, {0644, true, std::nullopt, "main.cf fragment"});
      status = r.checked ? "written" : "written (pre-flight waits for the certificate)";
    }
  }
  r.files.push_back({fragment_path, 0644, purpose, status});
  r.next_steps.push_back(fmt::format("Append the parameters: cat {} >> /etc/postfix/main.cf", fragment_path));
  r.next_steps.push_back("Check and reload: postfix check && postfix reload");
  r.next_steps.push_back("Check: mtlscert doctor /etc/postfix/main.cf, then mtlscert probe localhost");
  r.next_steps.push_back(fmt::format(
      "Let a client relay: mtlscert access --mta postfix --client CLIENT.crt >> {}, then postfix reload", table));
}

}  // namespace

void postfix_init_lines(InitResult& r, const InitLines& f, std::string_view version) {
  write_postfix_lines(r, f, version);
}

InitResult init_postfix_tls(InitRequest request, std::string_view version) {
  const std::string v(version);
  request.lines = [v](InitResult& r, const InitLines& f) { write_postfix_lines(r, f, v); };
  return init_mail_tls(request, {}, version);
}

}  // namespace mtlscert
