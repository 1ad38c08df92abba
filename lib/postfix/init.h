// init.h: `init --mta postfix`: the files sendmail's init makes (key, CSR, private CA and
// certificate, cacert.pem, certs/), then Postfix's lines instead of the .m4:
//   mtlscert-main.cf    the main.cf fragment (emit's parameters plus relaying by certificate),
//                       checked by the Postfix pre-flight; not written on an error
//   relay_clientcerts   the (empty) texthash table `mtlscert access --mta postfix` fills
#pragma once

#include <string_view>

#include "sendmail/init.h"

namespace mtlscert {

/// The file names init --mta postfix writes in DIR.
inline constexpr std::string_view kPostfixFragmentName = "mtlscert-main.cf";
inline constexpr std::string_view kPostfixRelayTableName = "relay_clientcerts";

/// postfix_init_lines: InitRequest::lines for Postfix (the fragment and the relay table).
void postfix_init_lines(InitResult& result, const InitLines& files, std::string_view version);

/// init_postfix_tls: init_mail_tls with Postfix's lines. Throws as init_mail_tls.
InitResult init_postfix_tls(InitRequest request, std::string_view version);

}  // namespace mtlscert
