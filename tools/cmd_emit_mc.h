// cmd_emit_mc.h: `mtlscert emit-mc`: the sendmail.mc lines for STARTTLS, checked first.
#pragma once

#include <string>

#include "output.h"
#include "sendmail/emit_mc.h"

namespace mtlscert::cli {

/// EmitMcOptions: the flags, bound by cli.cc straight into the library's request.
struct EmitMcOptions {
  EmitMcRequest request;  ///< out "-" is standard output, as empty is
  bool no_check = false;  ///< --no-check: request.check = false
};

extern const char* const kEmitMcSummary;
extern const char* const kEmitMcExamples;

int run_emit_mc(const EmitMcOptions& options, const Output& out);

}  // namespace mtlscert::cli
