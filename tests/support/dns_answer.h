// dns_answer.h: DNS answers made by hand, for the unit tests of what judges them (MTA-STS and
// TLS-RPT TXT records) without a resolver.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "dns/resolver.h"

namespace mtlscert::test {

/// txt_answer: the TXT answer for name, with these records and this outcome.
inline DnsAnswer<std::string> txt_answer(std::string name, std::vector<std::string> records,
                                         DnsOutcome outcome = DnsOutcome::Answer) {
  DnsAnswer<std::string> a;
  a.name = std::move(name);
  a.outcome = outcome;
  a.records = std::move(records);
  return a;
}

}  // namespace mtlscert::test
