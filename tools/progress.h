// progress.h: a spinner on stderr for work that may take more than about a second
// (RSA 4096 generation, bundles of thousands of certificates). Shown only when
// stderr is a terminal and neither --json nor --quiet is set; it appears after a
// short delay so fast runs print nothing, and erases itself when done.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "output.h"

namespace mtlscert::cli {

class Progress {
 public:
  Progress(const Output& out, std::string what);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

 private:
  void spin();
  std::string what_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace mtlscert::cli
