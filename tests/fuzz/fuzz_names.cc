// Fuzz target: the host-name validator and the MX line parser (user-typed input).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.h"
#include "pki/names.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto name = mtlscert::validate_host_name(text, "--host");
    // A name that passed must pass again unchanged (canonical form is a fixed point).
    auto again = mtlscert::validate_host_name(name.ascii, "--host");
    if (again.ascii != name.ascii) __builtin_trap();
  } catch (const mtlscert::Error&) {
  }
  try {
    auto records = mtlscert::parse_mx_lines(text);
    (void)mtlscert::primary_mx(records);
  } catch (const mtlscert::Error&) {
  }
  return 0;
}
