// options.h: Exim's TLS options, one table row each (core/mta_option.h).
//
// .macro is the macro of Debian's split configuration (conf.d/main/03_exim4-config_tlsoptions
// turns MAIN_TLS_CERTIFICATE into tls_certificate), .name the main-section option Exim
// reads. The reader (config.cc), emit (emit.cc), the pre-flight and doctor take every name,
// file-safety class and log line from here. Log lines measured against Debian 12's
// exim4-daemon-light 4.96 (GnuTLS), see tests/scripts/init_exim.sh.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/mta_option.h"

namespace mtlscert {

/// EximTls: the TLS options of an Exim main section, as written (macros expanded); empty: unset.
struct EximTls {
  std::string advertise_hosts;       ///< tls_advertise_hosts (unset: Exim 4.96 advertises to *)
  bool advertise_hosts_set = false;  ///< set, possibly to an empty list (then no STARTTLS at all)
  std::string certificate;           ///< tls_certificate (unset: Exim makes up a self-signed one)
  std::string privatekey;            ///< tls_privatekey (unset: the key is in tls_certificate)
  std::string verify_certificates;   ///< tls_verify_certificates (unset: "system")
  std::string try_verify_hosts;      ///< tls_try_verify_hosts: ask for a client certificate
  std::string verify_hosts;          ///< tls_verify_hosts: demand one
  std::string crl;                   ///< tls_crl
  std::string exim_user;             ///< exim_user (unset: Debian's compiled-in Debian-exim)
};

enum class EximOption {
  Enable,
  AdvertiseHosts,
  Certificate,
  PrivateKey,
  VerifyCertificates,
  TryVerifyHosts,
  VerifyHosts,
  Crl,
  EximUser,
};

struct EximOptionRow {
  EximOption id = {};
  MtaOption option = {};
  std::string EximTls::*tls = nullptr;  ///< the EximTls field holding its value (nullptr: none)
};

/// exim_option_table: every row, in EximOption order.
std::span<const EximOptionRow> exim_option_table();
const MtaOption& exim_option(EximOption id);
std::string_view exim_name(EximOption id);   ///< "tls_certificate"
std::string_view exim_macro(EximOption id);  ///< "MAIN_TLS_CERTIFICATE" (empty: Debian has none)

/// find_exim_name: the row of a main-section option name, or nullptr.
const EximOptionRow* find_exim_name(std::string_view name);

/// The user Debian's exim4 binary runs as after it drops root (compiled in).
inline constexpr std::string_view kEximDebianUser = "Debian-exim";

}  // namespace mtlscert
