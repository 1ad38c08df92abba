#include "smtp/reply.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace mtlscert {

std::string SmtpReply::first_line() const {
  if (lines.empty() || lines.front().empty()) return std::to_string(code);
  return fmt::format("{} {}", code, lines.front());
}

std::string printable(std::string_view line, std::size_t max) {
  std::string out;
  for (unsigned char c : line) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("\\x{:02X}", c);
    }
  }
  return out;
}

std::string LineReader::read_line(Deadline deadline, std::size_t max_line) {
  std::size_t scanned = 0;
  for (;;) {
    auto nl = buffer_.find('\n', scanned);
    if (nl != std::string::npos) {
      if (nl + 1 > max_line) break;
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    if (buffer_.size() >= max_line) break;
    scanned = buffer_.size();
    char chunk[4096];
    std::size_t n = transport_->read_some(chunk, sizeof chunk, deadline);
    if (n == 0) {
      throw NetError("closed", buffer_.empty()
                                   ? std::string("the server closed the connection")
                                   : fmt::format("the server closed the connection in the middle of a line: '{}'",
                                                 printable(buffer_)));
    }
    buffer_.append(chunk, n);
  }
  throw NetError("line-too-long",
                 fmt::format("the server sent a line longer than {} bytes (starts with '{}')", max_line,
                             printable(std::string_view(buffer_).substr(0, 60), 60)),
                 "SMTP lines are at most 512 bytes (RFC 5321 4.5.3.1.5); this is not a working mail server");
}

std::size_t LineReader::set_transport(Transport& transport) {
  std::size_t dropped = buffer_.size();
  buffer_.clear();
  transport_ = &transport;
  return dropped;
}

namespace {

// parse_code: the reply code of a line, or -1 when the line is not "DDD", "DDD " or "DDD-".
int parse_code(std::string_view line, bool& last) {
  if (line.size() < 3) return -1;
  if (line[0] < '2' || line[0] > '5' || !std::isdigit(static_cast<unsigned char>(line[1])) ||
      !std::isdigit(static_cast<unsigned char>(line[2]))) {
    return -1;
  }
  if (line.size() > 3 && line[3] != ' ' && line[3] != '-') return -1;
  last = line.size() == 3 || line[3] == ' ';
  return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

}  // namespace

SmtpReply read_reply(LineReader& reader, Deadline deadline, const ReplyLimits& limits) {
  SmtpReply reply;
  for (;;) {
    std::string line = reader.read_line(deadline, limits.max_line);
    bool last = true;
    int code = parse_code(line, last);
    if (code < 0) {
      throw NetError("garbage", fmt::format("the server sent a line that is not an SMTP reply: '{}'", printable(line)));
    }
    if (!reply.lines.empty() && code != reply.code) {
      throw NetError("garbage", fmt::format("the server changed the reply code from {} to {} inside one reply: '{}'",
                                            reply.code, code, printable(line)));
    }
    reply.code = code;
    reply.lines.push_back(line.size() > 4 ? line.substr(4) : std::string());
    if (last) return reply;
    if (reply.lines.size() >= limits.max_lines) {
      throw NetError("too-many-lines",
                     fmt::format("the server sent more than {} lines in one {} reply", limits.max_lines, code),
                     "a working mail server answers EHLO in a few dozen lines");
    }
  }
}

std::vector<std::string> ehlo_keywords(const SmtpReply& reply) {
  if (reply.lines.size() <= 1) return {};
  return {reply.lines.begin() + 1, reply.lines.end()};
}

bool has_keyword(const std::vector<std::string>& capabilities, std::string_view keyword) {
  for (const auto& cap : capabilities) {
    std::string_view word(cap);
    word = word.substr(0, word.find(' '));
    if (word.size() == keyword.size() && std::equal(word.begin(), word.end(), keyword.begin(), [](char a, char b) {
          return std::toupper(static_cast<unsigned char>(a)) == std::toupper(static_cast<unsigned char>(b));
        })) {
      return true;
    }
  }
  return false;
}

void to_json(nlohmann::ordered_json& j, const SmtpReply& reply) {
  j = nlohmann::ordered_json{{"code", reply.code}, {"lines", reply.lines}};
}

}  // namespace mtlscert
