// base64.h: the base64 alphabet and the 6-bit accumulator both PEM readers decode with
// (objects.cc: a whole PEM body; bundle/ca_file.cc: OpenSSL's 64-column lines, fast).
#pragma once

#include <array>
#include <string>

namespace mtlscert {

/// kBase64Values: each alphabet character's value, -1 for every other byte ('=' too).
inline constexpr std::array<signed char, 256> kBase64Values = [] {
  std::array<signed char, 256> t{};
  for (auto& v : t) v = -1;
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<signed char>(i);
  return t;
}();

/// Base64Bits: decodes one alphabet character at a time, appending each whole byte.
class Base64Bits {
 public:
  /// add appends c's 6 bits to out (a byte whenever 8 are ready); false when c is not in the alphabet.
  bool add(unsigned char c, std::string& out) {
    const int v = kBase64Values[c];
    if (v < 0) return false;
    acc_ = (acc_ << 6) | static_cast<unsigned int>(v);
    bits_ += 6;
    if (bits_ >= 8) {
      bits_ -= 8;
      out.push_back(static_cast<char>((acc_ >> bits_) & 0xFF));
    }
    return true;
  }
  /// pending: bits read that do not make a whole byte (fewer than 6 at a clean end).
  int pending() const { return bits_; }

 private:
  unsigned int acc_ = 0;
  int bits_ = 0;
};

}  // namespace mtlscert
