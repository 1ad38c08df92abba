// Fuzz target: the m4 value checker (paths given on the command line end up in sendmail.mc).
// A value it accepts must be safe for m4 and readcf: no quote, comment, macro, blank or control
// character; absolute parts for paths; and m4_define must render exactly one line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "sendmail/m4_value.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  auto kind = static_cast<mtlscert::M4ValueKind>(data[0] % 3);
  std::string_view value(reinterpret_cast<const char*>(data) + 1, size - 1);
  (void)mtlscert::m4_expanding_words(value);
  try {
    mtlscert::M4Value v = mtlscert::check_m4_value("confSERVER_CERT", value, kind, "--server-cert");
    if (v.text != value || v.parts.empty() || v.parts.size() > 2) __builtin_trap();
    for (char c : value) {
      auto u = static_cast<unsigned char>(c);
      if (c == '`' || c == '\'' || c == '#' || c == '$' || c == ' ' || u < 0x20 || u == 0x7f) __builtin_trap();
    }
    for (const auto& p : v.parts) {
      if (p.empty()) __builtin_trap();
      if (kind != mtlscert::M4ValueKind::Word && p[0] != '/') __builtin_trap();
    }
    std::string line = mtlscert::m4_define("confSERVER_CERT", v.text);
    if (line.find('\n') != line.size() - 1 && line.find('\n') != std::string::npos) __builtin_trap();
    if (!line.starts_with("define(`confSERVER_CERT', ``")) __builtin_trap();
  } catch (const mtlscert::Error& e) {
    if (std::string_view(e.what()).find("confSERVER_CERT") == std::string_view::npos) __builtin_trap();
  }
  return 0;
}
