// file_role.h: which kind of TLS file an MTA option names, generic across MTAs.
//
// Every MTA opens its key more carefully than its certificates (sendmail's safefile() adds
// "not group- or world-readable"; Postfix and Exim warn likewise), so an option table row
// (mta_option.h) says which kind it names and each MTA's own rules (sendmail/file_safety.h)
// decide what that kind demands.
#pragma once

namespace mtlscert {

/// TlsFileRole: a private key, or any other TLS file (certificate, CA file, CRL, DH parameters).
enum class TlsFileRole { Key, Other };

}  // namespace mtlscert
