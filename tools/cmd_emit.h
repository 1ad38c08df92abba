// cmd_emit.h: `mtlscert emit --mta M`: the configuration lines that turn STARTTLS on for
// sendmail (what emit-mc prints), Postfix or Exim, checked first.
#pragma once

#include <string>

#include "cmd_emit_mc.h"
#include "output.h"

namespace mtlscert::cli {

/// EmitOptions: emit-mc's flags plus the MTA. key_group empty: the MTA's own default.
struct EmitOptions : EmitMcOptions {
  std::string mta = "sendmail";
  std::string exim_style = "debian";  ///< --exim-style: debian (MAIN_TLS_* macros) or plain (main-section lines)
  EmitOptions() { request.key_group.clear(); }
};

extern const char* const kEmitSummary;
extern const char* const kEmitExamples;

int run_emit(const EmitOptions& options, const Output& out);
/// run_emit_postfix: run_emit for --mta postfix (postconf -e lines, -o: a main.cf fragment).
int run_emit_postfix(const EmitOptions& options, const Output& out);

}  // namespace mtlscert::cli
