#include "progress.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace mtlscert::cli {

Progress::Progress(const Output& out, std::string what) : what_(std::move(what)) {
  if (out.json_mode() || out.quiet() || ::isatty(STDERR_FILENO) != 1) return;
  thread_ = std::thread([this] { spin(); });
}

Progress::~Progress() {
  done_ = true;
  if (thread_.joinable()) thread_.join();
}

void Progress::spin() {
  using namespace std::chrono_literals;
  // Stay silent for the first second: most runs finish before anyone would wonder.
  for (int i = 0; i < 10; ++i) {
    if (done_) return;
    std::this_thread::sleep_for(100ms);
  }
  static const char kFrames[] = {'|', '/', '-', '\\'};
  int frame = 0;
  while (!done_) {
    std::fprintf(stderr, "\r%s %c", what_.c_str(), kFrames[frame++ % 4]);
    std::fflush(stderr);
    std::this_thread::sleep_for(120ms);
  }
  std::fprintf(stderr, "\r%*s\r", static_cast<int>(what_.size()) + 2, "");
  std::fflush(stderr);
}

}  // namespace mtlscert::cli
