// cmd_emit_mc.h: `mtlscert emit-mc`: the sendmail.mc lines for STARTTLS, checked first.
#pragma once

#include <string>

#include "output.h"

namespace mtlscert::cli {

struct EmitMcOptions {
  std::string server_cert;
  std::string server_key;
  std::string client_cert;
  std::string client_key;
  std::string cacert;
  std::string cacert_path;
  std::string crl;
  std::string dh_params;
  std::string host;
  std::string key_group = "smmsp";
  bool no_client_cert_request = false;
  bool no_check = false;
  std::string out;
  bool force = false;
};

extern const char* const kEmitMcSummary;
extern const char* const kEmitMcExamples;

int run_emit_mc(const EmitMcOptions& options, const Output& out);

}  // namespace mtlscert::cli
