// progress.h: a spinner on stderr for work that may take more than about a second
// (RSA 4096 generation, bundles of thousands of certificates). Shown only when
// stderr is a terminal and neither --json nor --quiet is set; it appears after a
// short delay so fast runs print nothing, and erases itself when done.
//
// Use: hold a Progress for the duration of the slow call, nothing else:
//
//   {
//     Progress progress(out, "Checking 5,000 certificates...");
//     report = check_bundle(bytes, path);   // the spinner runs on its own thread
//   }                                        // erased here, before any output
//
// Print nothing to stdout/stderr while it is alive (close its scope first). The delay
// is 1 s; MTLSCERT_PROGRESS_DELAY_MS overrides it (0: show at once, for tests).
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "output.h"

namespace mtlscert::cli {

class Progress {
 public:
  /// Progress starts the spinner (if stderr is a terminal and not --json/--quiet) with the
  /// text what ("Generating the RSA 4096 key...").
  Progress(const Output& out, std::string what);
  /// ~Progress stops the spinner and erases its line.
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

 private:
  void draw(int frame);
  void spin(int delay_ms);
  std::string what_;
  std::atomic<bool> done_{false};
  bool shown_ = false;  // written before the thread starts or by the thread only
  std::thread thread_;
};

}  // namespace mtlscert::cli
