// emit.cc: Exim's TLS lines, named from the option table.
#include "exim/emit.h"

#include <fmt/format.h>

#include "core/error.h"
#include "exim/options.h"

namespace mtlscert {
namespace {

using enum EximOption;

void check_value(EximOption id, const std::string& value) {
  const std::string_view name = exim_name(id);
  if (value.empty() || value[0] != '/') {
    throw Error(
        fmt::format("{} '{}' is not an absolute path: Exim resolves it from its working directory", name, value), value,
        "give the absolute path");
  }
  if (value.find_first_of("$\\\n") != std::string::npos) {
    throw Error(fmt::format("{} '{}' holds $, \\ or a newline, which Exim would expand", name, value), value,
                "rename the file");
  }
}

}  // namespace

std::string exim_emit_text(const EximEmitRequest& r) {
  struct Line {
    EximOption id;
    std::string value;
  };
  std::vector<Line> lines;
  check_value(Certificate, r.server_cert);
  check_value(PrivateKey, r.server_key);
  lines.push_back({AdvertiseHosts, "*"});
  lines.push_back({Certificate, r.server_cert});
  lines.push_back({PrivateKey, r.server_key});
  if (!r.cacert.empty()) {
    check_value(VerifyCertificates, r.cacert);
    lines.push_back({VerifyCertificates, r.cacert});
    lines.push_back({r.require_client_cert ? VerifyHosts : TryVerifyHosts, "*"});
  }
  if (!r.crl.empty()) {
    check_value(Crl, r.crl);
    lines.push_back({Crl, r.crl});
  }
  std::string out;
  if (r.debian) {
    out +=
        "# mtlscert: Exim TLS for Debian. Split configuration: save as /etc/exim4/conf.d/main/00_mtlscert_tls;\n"
        "# otherwise append to /etc/exim4/exim4.conf.localmacros. Then: update-exim4.conf && systemctl reload exim4\n"
        "# The key must be readable by Debian-exim: chown root:Debian-exim KEY && chmod 0640 KEY\n";
    out += fmt::format("{} = yes\n", exim_macro(Enable));
    for (const Line& l : lines) {
      if (!exim_macro(l.id).empty()) {
        out += fmt::format("{} = {}\n", exim_macro(l.id), l.value);
      } else {
        // No Debian macro (tls_crl): a plain main option; conf.d/main reads it as is.
        out += fmt::format("{} = {}\n", exim_name(l.id), l.value);
      }
    }
    out += "# Without Debian's configuration files, the same in the main section of exim.conf:\n";
    for (const Line& l : lines) out += fmt::format("#   {} = {}\n", exim_name(l.id), l.value);
  } else {
    out +=
        "# mtlscert: Exim TLS, main section (before the first `begin` line)\n"
        "# The key must be readable by exim_user: chown root:EXIMGROUP KEY && chmod 0640 KEY\n";
    for (const Line& l : lines) out += fmt::format("{} = {}\n", exim_name(l.id), l.value);
  }
  return out;
}

}  // namespace mtlscert
