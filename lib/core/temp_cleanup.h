// temp_cleanup.h (internal): a temporary file being written is removed when SIGINT, SIGTERM
// or SIGHUP ends the process, so an interrupted write of a private key leaves no complete
// copy of it in a ".NAME.tmp-*" file. SIGKILL cannot be caught: the temporary file then
// stays, but it has the final mode (0600 for a key) from its first byte.
#pragma once

#include <sys/types.h>

namespace mtlscert::io::detail {

/// RecordedTemp: opens a new temporary file and records (directory descriptor, name) for the
/// signal handler until destroyed. The handler unlinks every recorded name, restores the
/// default action and raises the signal again (the exit status still says which signal).
/// Signals are blocked between the creation and the recording, so no window leaves a file
/// the handler does not know about. dirfd must outlive the RecordedTemp.
class RecordedTemp {
 public:
  RecordedTemp() = default;
  RecordedTemp(const RecordedTemp&) = delete;
  RecordedTemp& operator=(const RecordedTemp&) = delete;
  ~RecordedTemp();

  /// open: openat(dirfd, name, flags, mode) and, when it succeeds, the recording; returns
  /// openat's result (errno set on failure). Installs the handlers on first use (a signal
  /// a parent set to SIG_IGN, e.g. nohup's SIGHUP, stays ignored).
  int open(int dirfd, const char* name, int flags, mode_t mode);

 private:
  int slot_ = -1;
};

}  // namespace mtlscert::io::detail
