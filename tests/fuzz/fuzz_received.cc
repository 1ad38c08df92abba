// Fuzz target: the Received: header reader (issue 13 row 5: a 40 KB word crashed the regex
// version). Every hop must come back with its header cut to the bound, and nothing may
// recurse or take time tied to the input's length beyond the bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "smtp/received.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  mtlscert::ReceivedReport report = mtlscert::check_received(text);
  for (const auto& hop : report.hops) {
    if (hop.header.size() > mtlscert::kMaxReceivedHeader) __builtin_trap();
  }
  (void)mtlscert::to_json(report);
  (void)mtlscert::parse_received_header(text);
  return 0;
}
