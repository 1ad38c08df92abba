// config.h: read a Postfix configuration as Postfix does (postconf(5), master(5)).
//
// main.cf: `name = value` logical lines; a line starting with white space continues the
// previous one; a line whose first non-blank character is # is a comment; a later
// definition of a name wins; $name, ${name} and $(name) expand recursively (and
// ${name?text}, ${name:text}). master.cf: one service per logical line; `-o name=value`
// after an smtpd command overrides main.cf for that service only.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "postfix/preflight.h"

namespace mtlscert {

/// MainCf: the raw definitions of main.cf, last one winning.
using MainCf = std::map<std::string, std::string, std::less<>>;

/// parse_main_cf: the definitions of main.cf text (unexpanded).
MainCf parse_main_cf(std::string_view text);

/// MasterService: one master.cf service line.
struct MasterService {
  std::string name;                                            ///< "smtp", "127.0.0.1:2525", "submission"
  std::string type;                                            ///< "inet", "unix", ...
  std::string command;                                         ///< "smtpd"
  std::vector<std::pair<std::string, std::string>> overrides;  ///< -o name=value, in order
};

/// parse_master_cf: every service of master.cf text.
std::vector<MasterService> parse_master_cf(std::string_view text);

/// expand_postfix: value with every $name expanded from cf (Postfix defaults for the TLS
/// names that default to another parameter; unknown names expand to nothing).
std::string expand_postfix(const MainCf& cf, std::string_view value);

/// PostfixConfig: what doctor read.
struct PostfixConfig {
  std::vector<std::string> files_read;
  std::string service;  ///< the master.cf smtpd service whose -o overrides apply (empty: none)
  bool any_tls_option = false;
  PostfixTls tls;  ///< every TLS parameter, expanded
};

/// postfix_tls_from: the TLS parameters of cf (expanded), after the overrides of service.
PostfixTls postfix_tls_from(MainCf cf, const MasterService* service);

/// pick_smtpd_service: the inet smtpd service on port 25 ("smtp", "*:smtp", "*:25"), else
/// the first inet smtpd service, else nullptr.
const MasterService* pick_smtpd_service(const std::vector<MasterService>& services);

/// read_postfix_config: path is main.cf, master.cf or the directory holding them; both are
/// read when present. Throws Error when main.cf cannot be read.
PostfixConfig read_postfix_config(const std::string& path);

}  // namespace mtlscert
