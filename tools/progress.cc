#include "progress.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace mtlscert::cli {
namespace {

constexpr int kDefaultDelayMs = 1000;

// The delay before the spinner appears: 1 s, or MTLSCERT_PROGRESS_DELAY_MS (0 to 60000).
int delay_ms() {
  const char* v = std::getenv("MTLSCERT_PROGRESS_DELAY_MS");
  if (v == nullptr || *v == '\0') return kDefaultDelayMs;
  char* end = nullptr;
  long ms = std::strtol(v, &end, 10);
  if (*end != '\0' || ms < 0 || ms > 60000) return kDefaultDelayMs;
  return static_cast<int>(ms);
}

}  // namespace

Progress::Progress(const Output& out, std::string what) : what_(std::move(what)) {
  if (out.json_mode() || out.quiet() || ::isatty(STDERR_FILENO) != 1) return;
  int delay = delay_ms();
  if (delay == 0) {
    draw(0);  // at once, before the work starts
    shown_ = true;
  }
  thread_ = std::thread([this, delay] { spin(delay); });
}

Progress::~Progress() {
  done_ = true;
  if (thread_.joinable()) thread_.join();
}

void Progress::draw(int frame) {
  static const char kFrames[] = {'|', '/', '-', '\\'};
  std::fprintf(stderr, "\r%s %c", what_.c_str(), kFrames[frame % 4]);
  std::fflush(stderr);
}

void Progress::spin(int delay) {
  using namespace std::chrono_literals;
  // Stay silent at first: most runs finish before anyone would wonder.
  for (int waited = 0; waited < delay && !done_; waited += 100) std::this_thread::sleep_for(100ms);
  if (done_ && !shown_) return;
  for (int frame = 1; !done_; ++frame) {
    draw(frame);
    std::this_thread::sleep_for(120ms);
  }
  std::fprintf(stderr, "\r%*s\r", static_cast<int>(what_.size()) + 2, "");
  std::fflush(stderr);
}

}  // namespace mtlscert::cli
