#include "smtp/fleet.h"

#include <malloc.h>

#include <algorithm>

#include <fmt/format.h>

#include "core/ordered_stream.h"
#include "core/text.h"

namespace mtlscert {

FleetTarget target_of_line(std::string_view line) {
  line = line.substr(0, line.find('#'));
  constexpr std::string_view kBlank = " \t\r\n\v\f";
  auto first = line.find_first_not_of(kBlank);
  if (first == std::string_view::npos) return {};
  line = line.substr(first, line.find_last_not_of(kBlank) - first + 1);
  auto blank = line.find_first_of(kBlank);
  if (blank == std::string_view::npos) return {std::string(line), false};
  std::string_view word = line.substr(0, blank);
  std::string_view rest = line.substr(line.find_first_not_of(kBlank, blank));
  if (word == "--mx" && rest.find_first_of(kBlank) == std::string_view::npos) return {std::string(rest), true};
  throw Error(fmt::format("'{}' holds more than one target", printable(std::string(line))), {},
              "write one target a line: HOST, HOST:PORT, [IPV6]:PORT or --mx DOMAIN");
}

namespace {

// bound_heap_growth: with glibc's default of 8 arenas a core, the workers' handshakes
// (thousands of small OpenSSL allocations each) fragmented the arenas and peak RSS crept up
// ~1.5 MiB each time the list's length doubled (21 MiB at 1,000 targets, 28 MiB at 40,000;
// flat under jemalloc: no leak). Two arenas, and the free pages handed back every 1,000
// targets, keep it flat; the workers wait on the network, not on malloc's locks.
void bound_heap_growth() {
#ifdef __GLIBC__
  mallopt(M_ARENA_MAX, 2);
#endif
}

struct Pending {
  std::size_t line = 0;
  FleetTarget target;
  std::string text;  ///< the line's target as written, for messages
};

// outcome: the one word the summary counts a target under.
std::string outcome_of(const std::vector<Finding>& findings, bool strict) {
  for (const auto& f : findings) {
    if (f.level == Level::Error) return f.code;
  }
  if (strict && !findings.empty()) return findings.front().code;
  return "ok";
}

// probe_host: one HOST[:PORT] target, judged with its TLSA records under --dane. A probe that
// could not run gets its exit code and outcome here; otherwise run_fleet judges e.findings.
void probe_host(FleetEntry& e, const std::string& target, const FleetOptions& options, const ProbeOptions& base,
                SSL_CTX* ctx) {
  ProbeOptions o = base;
  o.target = target;
  e.report = probe(o, ctx);
  const ProbeReport& r = *e.report;
  e.findings = r.all_findings();
  if (r.could_not_run()) {
    e.exit_code = static_cast<int>(Exit::Failed);
    e.outcome = r.failure->code;
    return;
  }
  if (options.dane) {
    Resolver resolver(options.resolver);
    e.dane = probe_dane(resolver, r, base.servername);
    e.findings = findings_with_dane(std::move(e.findings), *e.dane);
  }
}

// probe_mx_line: a "--mx DOMAIN" line, as `probe --mx DOMAIN` would do it.
void probe_mx_line(FleetEntry& e, const std::string& domain, const FleetOptions& options, const ProbeOptions& base,
                   SSL_CTX* ctx, bool strict) {
  Resolver resolver(options.resolver);
  DomainProbeOptions d = options.mx;
  d.domain = domain;
  d.probe = base;
  d.dane = options.dane;
  d.strict = strict;
  try {
    e.domain = probe_domain(d, resolver, ctx, [&](const std::string& line) { e.lines.push_back(line); });
  } catch (const Error&) {
    e.outcome = "mx-lookup-failed";
    throw;
  }
  e.findings = e.domain->findings;
}

}  // namespace

FleetSummary run_fleet(const FleetOptions& options, std::istream& list, bool strict,
                       const std::function<void(const FleetEntry&)>& emit, const FleetRender& render) {
  if (options.jobs < 1 || options.jobs > kMaxFleetJobs) {
    throw Error(fmt::format("--jobs: {} is not between 1 and {}", options.jobs, kMaxFleetJobs));
  }
  ProbeOptions base = options.probe;
  // --timeout bounds each wait and the whole dialogue: one slow target cannot hold a job
  // (and, through the ordering window, the output) longer than that.
  base.deadline_seconds = base.timeout_seconds;
  // One TLS context for every probe: the trust store is read once, not once per target.
  // Bad options and unreadable CA or client files stop the run before the list is read.
  check_probe_options(base);
  auto ctx = probe_context(base);
  bound_heap_growth();

  std::size_t line_no = 0;
  std::function<std::optional<Pending>()> next = [&]() -> std::optional<Pending> {
    std::string text;
    while (std::getline(list, text)) {
      ++line_no;
      FleetTarget target;
      try {
        target = target_of_line(text);
      } catch (const Error&) {
        target = {text, false};  // probed as written: parse_endpoint names what is wrong with it
      }
      if (!target.target.empty()) {
        std::string shown = target.mx ? "--mx " + target.target : target.target;
        return Pending{line_no, std::move(target), std::move(shown)};
      }
    }
    if (list.bad()) {
      throw Error(fmt::format("{}: read error after line {}", options.list_name, line_no), options.list_name);
    }
    return std::nullopt;
  };
  std::function<FleetEntry(const Pending&)> work = [&](const Pending& p) {
    FleetEntry e;
    e.line = p.line;
    e.target = p.text;
    try {
      if (p.target.mx) {
        probe_mx_line(e, p.target.target, options, base, ctx.get(), strict);
      } else {
        probe_host(e, p.target.target, options, base, ctx.get());
      }
      if (e.outcome.empty()) {  // a verdict: the findings decide, as for a single probe
        e.exit_code = static_cast<int>(exit_code(e.findings, strict));
        e.outcome = outcome_of(e.findings, strict);
      }
    } catch (const Error& err) {
      e.error =
          Error(fmt::format("{} line {}: {}", options.list_name, p.line, err.what()), options.list_name, err.hint());
      e.exit_code = static_cast<int>(Exit::Failed);
      if (e.outcome.empty()) e.outcome = "invalid-target";
    }
    if (render) {
      // A report is hundreds of small allocations; the window may hold 4 x jobs of them
      // behind a slow target. Its line is one allocation, and made here, in parallel.
      e.text = render(e);
      e.report.reset();
      e.domain.reset();
      e.lines.clear();
      e.lines.shrink_to_fit();
    }
    return e;
  };
  FleetSummary summary;
  const auto start = Clock::now();
  std::function<void(FleetEntry &&)> deliver = [&](FleetEntry&& e) {
    ++summary.targets;
    if (e.exit_code != 0) ++summary.failed;
    ++summary.outcomes[e.outcome];
    emit(e);
#ifdef __GLIBC__
    if (summary.targets % 1000 == 0) malloc_trim(0);  // see bound_heap_growth
#endif
  };
  // A window of 4 x jobs lets fast targets run on while a slow one holds the head of the line.
  detail::ordered_stream<Pending, FleetEntry>(options.jobs, options.jobs * 4, next, work, deliver);
  summary.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return summary;
}

}  // namespace mtlscert
