// config.h: the TLS options an Exim is configured with, read from its main section.
//
// Reads a whole configuration file (/etc/exim4/exim4.conf.template, an exim.conf) or
// Debian's split configuration (a directory holding conf.d/main/, or conf.d/main itself,
// whose files Debian's update-exim4.conf concatenates in name order). Follows Exim's
// macro lines (`NAME = value`, `NAME == value` redefines), .ifdef/.ifndef/.else/.endif,
// .include and .include_if_exists, backslash continuation lines, and stops at the first
// `begin` line (the options after it belong to ACLs, routers and transports).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.h"
#include "exim/options.h"

namespace mtlscert {

struct EximConfig {
  std::string path;
  bool split = false;                         ///< read as Debian's split configuration
  EximTls tls;                                ///< macros expanded
  std::map<std::string, std::string> macros;  ///< every macro defined when the main section ended
  std::vector<std::string> files_read;        ///< in reading order
  bool any_tls_option = false;                ///< a tls_certificate or tls_privatekey is set
  std::vector<Finding> findings;              ///< what reading found (include-missing, …)
};

/// read_exim_config reads path (a file, or a split-configuration directory). macros are
/// defined first, as `exim -DNAME=value` would (CONFDIR defaults to /etc/exim4 for a split
/// configuration, as update-exim4.conf defines it). Throws Error when path cannot be read.
EximConfig read_exim_config(const std::string& path, const std::map<std::string, std::string>& macros = {});

/// is_exim_split_dir: path is a split-configuration directory (has conf.d/main or is one).
bool is_exim_split_dir(const std::string& path);

}  // namespace mtlscert
