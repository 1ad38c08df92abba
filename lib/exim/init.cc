// init.cc: init's Exim step: the macro fragment, after the pre-flight.
#include "exim/init.h"

#include <sys/stat.h>

#include <fmt/format.h>

#include "core/io.h"
#include "exim/emit.h"
#include "exim/preflight.h"

namespace mtlscert {
namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

void exim_init_lines(InitResult& r, const InitLines& f) {
  const std::string path = r.dir + "/" + std::string(kEximInitName);
  const std::string purpose = "Exim: MAIN_TLS_* macros (Debian conf.d/main/00_mtlscert_tls)";
  const std::string text = exim_emit_text({.server_cert = f.cert, .server_key = f.key, .cacert = f.cacert, .crl = {}});
  if (exists(f.cert)) {
    EximTls tls;
    tls.certificate = f.cert;
    tls.privatekey = f.key;
    tls.verify_certificates = f.cacert;
    tls.try_verify_hosts = "*";
    EximPreflightContext ctx;
    ctx.host = r.host;
    ctx.now = f.now;
    r.findings = preflight_exim_tls(tls, ctx);
    r.checked = true;
  }
  if (has_level(r.findings, Level::Error)) {
    r.blocked = true;
    r.files.push_back({path, 0, purpose, "not written: the pre-flight found errors (below)"});
    return;
  }
  std::string old;
  if (exists(path)) old = io::read_file(path, "Exim fragment");
  const bool changed = old != text;
  if (changed) io::write_file_atomic(path, text, {0644, true, std::nullopt, "Exim fragment"});
  r.files.push_back({path, 0644, purpose, changed ? "written" : "already present; unchanged"});
  r.next_steps.push_back(
      fmt::format("Debian split configuration: cp {} /etc/exim4/conf.d/main/00_mtlscert_tls; otherwise append it to "
                  "/etc/exim4/exim4.conf.localmacros.",
                  path));
  r.next_steps.push_back("Then: update-exim4.conf && systemctl reload exim4");
  r.next_steps.push_back(
      "Relay by client certificate: mtlscert access --mta exim --client CLIENT.crt (an ACL snippet for "
      "acl_check_rcpt)");
  r.next_steps.push_back("Check: mtlscert doctor --mta exim /etc/exim4, then mtlscert probe localhost");
}

}  // namespace mtlscert
