// Fuzz target: emit-mc's rendering of user-given paths into sendmail.mc lines. Whatever the
// values, a rendered file has no line the template did not have (no line injection), every
// define() line has balanced m4 quotes, and refused values are refused with an Error.
// Input: fields separated by NUL bytes, in McRequest order; the first byte holds the switches.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "sendmail/emit_mc.h"

namespace {

const std::string& template_text() {
  static const std::string text = [] {
    std::ifstream in(MTLSCERT_SOURCE_DIR "/templates/sendmail-tls.mc.in", std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    if (s.str().empty()) __builtin_trap();  // the fuzzer would test nothing
    return s.str();
  }();
  return text;
}

std::size_t count(std::string_view s, char c) {
  std::size_t n = 0;
  for (char x : s) n += x == c;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const unsigned switches = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string> f;
  for (std::size_t pos = 0; f.size() < 10;) {
    std::size_t nul = rest.find('\0', pos);
    f.emplace_back(rest.substr(pos, nul == std::string_view::npos ? std::string_view::npos : nul - pos));
    if (nul == std::string_view::npos) break;
    pos = nul + 1;
  }
  f.resize(10);
  mtlscert::McRequest r;
  r.server_cert = f[0];
  r.server_key = f[1];
  r.client_cert = f[2];
  r.client_key = f[3];
  r.cacert = f[4];
  r.cacert_path = f[5];
  r.crl = f[6];
  r.dh_params = f[7];
  r.key_group = f[8];
  r.include_path = f[9];
  r.no_client_cert_request = switches & 1;
  r.group_readable_key = switches & 2;
  const std::string& tpl = template_text();
  try {
    mtlscert::McText out = mtlscert::render_mc(r, tpl, "fuzz");
    if (count(out.text, '\n') > count(tpl, '\n')) __builtin_trap();
    std::string_view text = out.text;
    for (std::size_t pos = 0; pos < text.size();) {
      std::size_t eol = text.find('\n', pos);
      std::string_view line = text.substr(pos, eol - pos);
      pos = eol + 1;
      if (!line.starts_with("dnl") && !line.starts_with("define(") && !line.starts_with("ifdef(")) __builtin_trap();
      if (line.starts_with("define(") && count(line, '`') != count(line, '\'')) __builtin_trap();
      if (line.find('\0') != std::string_view::npos || line.find('\r') != std::string_view::npos) __builtin_trap();
    }
  } catch (const mtlscert::Error&) {
  }
  return 0;
}
