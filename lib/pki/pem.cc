#include "pki/pem.h"

#include <fmt/format.h>

namespace mtlscert::pem {
namespace {

constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kDashes = "-----";

// Returns the line starting at pos (without its CR/LF) and advances pos past it.
std::string_view next_line(std::string_view text, std::size_t& pos) {
  std::size_t eol = text.find('\n', pos);
  std::size_t stop = eol == std::string_view::npos ? text.size() : eol;
  std::string_view line = text.substr(pos, stop - pos);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  pos = eol == std::string_view::npos ? text.size() : eol + 1;
  return line;
}

// The label of a marker line "-----BEGIN X-----" given its prefix, or empty.
bool marker_label(std::string_view line, std::string_view prefix, std::string& label) {
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  if (line.substr(0, prefix.size()) != prefix) return false;
  line.remove_prefix(prefix.size());
  if (line.size() < kDashes.size() || line.substr(line.size() - kDashes.size()) != kDashes) return false;
  label.assign(line.substr(0, line.size() - kDashes.size()));
  return true;
}

}  // namespace

std::vector<Block> scan(std::string_view text) {
  std::vector<Block> blocks;
  std::size_t pos = 0;
  std::size_t line_no = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;
  Block* open = nullptr;
  while (pos < text.size()) {
    std::size_t line_start = pos;
    std::string_view line = next_line(text, pos);
    ++line_no;
    std::string label;
    if (open == nullptr) {
      if (line.find(kBegin) == std::string_view::npos) continue;
      // Tolerate leading junk on the marker line only if the marker itself is whole.
      std::string_view from_marker = line.substr(line.find(kBegin));
      if (!marker_label(from_marker, kBegin, label)) continue;
      Block b;
      b.label = label;
      b.line = line_no;
      b.begin = line_start + (line.size() - from_marker.size());
      blocks.push_back(std::move(b));
      open = &blocks.back();
      continue;
    }
    if (line.find("Proc-Type:") == 0 && line.find("ENCRYPTED") != std::string_view::npos) {
      open->encrypted_headers = true;
    }
    if (marker_label(line, "-----END ", label)) {
      open->end = pos;
      open->terminated = label == open->label;
      open = nullptr;
      continue;
    }
    if (line.find(kBegin) != std::string_view::npos) {
      // A BEGIN inside an open block: the previous block was truncated.
      open->end = line_start;
      open = nullptr;
      pos = line_start;
      --line_no;
    }
  }
  if (open != nullptr) open->end = text.size();
  return blocks;
}

bool looks_like_pem(std::string_view text) { return text.find(kBegin) != std::string_view::npos; }

bool is_private_key_label(std::string_view label) {
  return label == "PRIVATE KEY" || label == "RSA PRIVATE KEY" || label == "EC PRIVATE KEY" ||
         label == "DSA PRIVATE KEY" || label == "ENCRYPTED PRIVATE KEY" || label == "ANY PRIVATE KEY";
}

std::string describe_label(std::string_view label) {
  if (is_private_key_label(label)) return fmt::format("a private key ({})", label);
  if (label == "CERTIFICATE REQUEST" || label == "NEW CERTIFICATE REQUEST") return "a CERTIFICATE REQUEST (CSR)";
  if (label == "CERTIFICATE" || label == "TRUSTED CERTIFICATE" || label == "X509 CERTIFICATE") {
    return fmt::format("a {}", label);
  }
  return fmt::format("a '{}' block", label);
}

}  // namespace mtlscert::pem
