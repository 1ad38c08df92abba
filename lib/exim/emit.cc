// emit.cc: Exim's TLS lines, named from the option table.
#include "exim/emit.h"

#include <fmt/format.h>

#include <array>
#include <string_view>

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

// The Received: header Exim writes by default (4.96) says "(TLS1.3) tls CIPHER" but not whether
// the client's certificate verified. This one is Exim's default with its log fields in place of
// those: X=VERSION:CIPHER:BITS and CV=yes|no ($tls_in_certificate_verified), which `mtlscert
// received` reads as it reads Postfix's "(verified OK)" (smtpd_tls_received_header = yes).
constexpr std::string_view kReceivedHeaderText =
    "received_header_text = Received: ${if def:sender_rcvhost {from $sender_rcvhost\\n\\t}"
    "{${if def:sender_ident {from ${quote_local_part:$sender_ident} }}"
    "${if def:sender_helo_name {(helo=$sender_helo_name)\\n\\t}}}}"
    "by $primary_hostname ${if def:received_protocol {with $received_protocol }}"
    "${if def:tls_in_cipher {X=$tls_in_cipher CV=${if eq{$tls_in_certificate_verified}{1}{yes}{no}}\\n\\t}}"
    "(Exim $version_number)\\n\\t${if def:sender_address {(envelope-from <$sender_address>)\\n\\t}}"
    "id $message_exim_id${if def:received_for {\\n\\tfor $received_for}}\n";

// Debian's remote_smtp and remote_smtp_smarthost transports (conf.d/transport/30_*) present
// the certificate these macros name when a server asks for one: without them Exim relays
// without a client certificate, and a peer that grants relaying by certificate refuses it.
constexpr std::array<std::string_view, 2> kDebianClientCertMacros = {"REMOTE_SMTP_TLS_CERTIFICATE",
                                                                     "REMOTE_SMTP_SMARTHOST_TLS_CERTIFICATE"};
constexpr std::array<std::string_view, 2> kDebianClientKeyMacros = {"REMOTE_SMTP_PRIVATEKEY",
                                                                    "REMOTE_SMTP_SMARTHOST_PRIVATEKEY"};

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
    out += "# Client side: Debian's remote_smtp transports present this certificate to servers that ask\n";
    for (std::string_view m : kDebianClientCertMacros) out += fmt::format("{} = {}\n", m, r.server_cert);
    for (std::string_view m : kDebianClientKeyMacros) out += fmt::format("{} = {}\n", m, r.server_key);
    out += "# The Received: header with X= (TLS version:cipher:bits) and CV= (client certificate verified)\n";
    out += kReceivedHeaderText;
    out += "# Without Debian's configuration files, the same in the main section of exim.conf:\n";
    for (const Line& l : lines) out += fmt::format("#   {} = {}\n", exim_name(l.id), l.value);
    out += "# and in the smtp transport: tls_certificate and tls_privatekey as above\n";
  } else {
    out +=
        "# mtlscert: Exim TLS, main section (before the first `begin` line)\n"
        "# The key must be readable by exim_user: chown root:EXIMGROUP KEY && chmod 0640 KEY\n";
    for (const Line& l : lines) out += fmt::format("{} = {}\n", exim_name(l.id), l.value);
    out += "# The Received: header with X= (TLS version:cipher:bits) and CV= (client certificate verified)\n";
    out += kReceivedHeaderText;
    out += fmt::format(
        "# In the smtp transport (a client certificate for servers that ask):\n#   tls_certificate = {}\n#   "
        "tls_privatekey = {}\n",
        r.server_cert, r.server_key);
  }
  return out;
}

}  // namespace mtlscert
