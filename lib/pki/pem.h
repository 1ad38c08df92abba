// pem.h: a tolerant scanner for PEM blocks, independent of OpenSSL, so every
// reader can say which block is where (its line) and what kind it is before
// decoding anything. Text between blocks, CRLF line ends and a UTF-8 BOM are allowed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mtlscert::pem {

/// Block: one "-----BEGIN <label>-----" … "-----END <label>-----" section.
struct Block {
  std::string label;               ///< e.g. "CERTIFICATE", "PRIVATE KEY"
  std::size_t line = 0;            ///< 1-based line of the BEGIN marker
  std::size_t begin = 0;           ///< byte offset of the BEGIN marker
  std::size_t end = 0;             ///< byte offset just past the END marker line
  bool terminated = false;         ///< an END marker with the same label was found
  bool encrypted_headers = false;  ///< "Proc-Type: 4,ENCRYPTED" (legacy encrypted key)
};

/// scan returns every BEGIN block in order; an unterminated block runs to the end.
std::vector<Block> scan(std::string_view text);

/// looks_like_pem: the text contains a BEGIN marker.
bool looks_like_pem(std::string_view text);

/// is_private_key_label: PRIVATE KEY, RSA/EC/DSA PRIVATE KEY, ENCRYPTED PRIVATE KEY.
bool is_private_key_label(std::string_view label);

/// describe_label: "a CERTIFICATE", "a private key", "a CERTIFICATE REQUEST (CSR)", for messages.
std::string describe_label(std::string_view label);

}  // namespace mtlscert::pem
