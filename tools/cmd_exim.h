// cmd_exim.h: the Exim cases of emit, doctor and access (`--mta exim`).
#pragma once

#include "cmd_access.h"
#include "cmd_doctor.h"
#include "cmd_emit.h"
#include "output.h"

namespace mtlscert::cli {

/// run_emit_exim: the Debian MAIN_TLS_* macros (with the plain main-section lines as
/// comments), after the Exim pre-flight; -o FILE writes them (0644, atomically).
int run_emit_exim(const EmitOptions& options, const Output& out);
/// run_doctor_exim: read an Exim configuration (file or split directory) and check it.
int run_doctor_exim(const DoctorOptions& options, const Output& out);
/// run_access_exim: the acl_check_rcpt snippet relaying for verified client certificates.
int run_access_exim(const AccessOptions& options, const Output& out);

}  // namespace mtlscert::cli
