// temp_cleanup.cc: remove recorded temporary files when a signal ends the process.
#include "core/temp_cleanup.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace mtlscert::io::detail {
namespace {

constexpr int kFree = -1;
constexpr int kFilling = -2;  // claimed, name being copied: the handler skips it

// One slot per temporary file being written at once (one per thread at most in practice).
// Only atomics and fixed arrays: the handler may run at any moment.
struct Slot {
  std::atomic<int> dirfd{kFree};
  char name[256] = {};
};
std::array<Slot, 16> g_slots;
constexpr std::array<int, 3> kSignals{SIGINT, SIGTERM, SIGHUP};

extern "C" void remove_temps_and_die(int sig) {
  const int saved_errno = errno;
  for (Slot& s : g_slots) {
    int dirfd = s.dirfd.load(std::memory_order_acquire);
    if (dirfd >= 0) ::unlinkat(dirfd, s.name, 0);  // async-signal-safe (POSIX.1-2008)
  }
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigemptyset(&dfl.sa_mask);
  ::sigaction(sig, &dfl, nullptr);
  // The signal is blocked while this handler runs: raised again, it is delivered on return,
  // with its default action (terminate), so the exit status is the one without a handler.
  ::raise(sig);
  errno = saved_errno;
}

void install_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : kSignals) {
      struct sigaction old {};
      if (::sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL) continue;  // keep SIG_IGN/others
      struct sigaction sa {};
      sa.sa_handler = remove_temps_and_die;
      ::sigemptyset(&sa.sa_mask);
      for (int other : kSignals) ::sigaddset(&sa.sa_mask, other);
      ::sigaction(sig, &sa, nullptr);
    }
  });
}

// Blocks the cleanup signals in this thread for its lifetime.
class BlockSignals {
 public:
  BlockSignals() {
    sigset_t set;
    ::sigemptyset(&set);
    for (int sig : kSignals) ::sigaddset(&set, sig);
    ::pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~BlockSignals() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  BlockSignals(const BlockSignals&) = delete;
  BlockSignals& operator=(const BlockSignals&) = delete;

 private:
  sigset_t old_;
};

}  // namespace

int RecordedTemp::open(int dirfd, const char* name, int flags, mode_t mode) {
  install_handlers();
  BlockSignals block;
  int fd = ::openat(dirfd, name, flags, mode);
  if (fd < 0 || std::strlen(name) >= sizeof(Slot::name)) return fd;
  const int saved_errno = errno;
  for (std::size_t i = 0; i < g_slots.size(); ++i) {
    int expected = kFree;
    if (g_slots[i].dirfd.compare_exchange_strong(expected, kFilling)) {
      std::strcpy(g_slots[i].name, name);
      g_slots[i].dirfd.store(dirfd, std::memory_order_release);
      slot_ = static_cast<int>(i);
      break;
    }
  }
  errno = saved_errno;
  return fd;
}

RecordedTemp::~RecordedTemp() {
  if (slot_ >= 0) g_slots[static_cast<std::size_t>(slot_)].dirfd.store(kFree, std::memory_order_release);
}

}  // namespace mtlscert::io::detail
