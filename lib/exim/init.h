// init.h: init --mta exim: after the shared steps (key, CSR, CA, certificate, CA files;
// sendmail/init.h), Exim's lines: DIR/mtlscert-exim.conf, a Debian conf.d/main fragment
// (the MAIN_TLS_* macros), checked by the Exim pre-flight when the certificate exists and
// not written when it finds an error.
#pragma once

#include "sendmail/init.h"

namespace mtlscert {

/// kEximInitName: the fragment's name in DIR (copy it to /etc/exim4/conf.d/main/00_mtlscert_tls).
inline constexpr std::string_view kEximInitName = "mtlscert-exim.conf";

/// exim_init_lines: InitRequest::lines for Exim.
void exim_init_lines(InitResult& result, const InitLines& files);

}  // namespace mtlscert
