// cmd_received.h: `mtlscert received [FILE]`: did a message travel over TLS, hop by hop?
#pragma once

#include <string>

#include "output.h"

namespace mtlscert::cli {

struct ReceivedOptions {
  std::string file = "-";
};

extern const char* const kReceivedSummary;
extern const char* const kReceivedExamples;

int run_received(const ReceivedOptions& options, const Output& out);

}  // namespace mtlscert::cli
