#include "cmd_probe_fleet.h"

#include <fstream>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cmd_probe.h"

namespace mtlscert::cli {

int run_probe_fleet(const ProbeCmdOptions& o, const Output& out) {
  if (!o.request.target.empty()) {
    throw Error(fmt::format("probe: both a target ('{}') and -f {} given", o.request.target, o.fleet.file), {},
                "put the target in the list, or drop -f");
  }
  FleetOptions f;
  f.probe = probe_options(o);
  f.jobs = o.fleet.jobs;
  f.dane = o.dane;
  f.mx = domain_probe_options(o, "", out.strict());
  f.resolver = resolver_options(o);
  std::ifstream file;
  std::istream* list = &std::cin;
  if (o.fleet.file == "-") {
    f.list_name = "standard input";
  } else {
    f.list_name = o.fleet.file;
    file.open(o.fleet.file);
    if (!file) {
      throw Error(fmt::format("target list '{}': cannot open it", o.fleet.file), o.fleet.file,
                  "pass a file with one HOST[:PORT] or --mx DOMAIN a line, or '-' for standard input");
    }
    list = &file;
  }
  warn_skip_verify(f.probe, out);
  // Each target's line is made on the thread that probed it (in parallel, and the results
  // waiting for an earlier target hold that line only); the lines are printed in list order.
  auto render = [&](const FleetEntry& e) -> std::string {
    if (e.error) {
      return out.json_mode() ? out.json_line_text(nullptr, &*e.error, e.exit_code)
                             : fmt::format("FAILED: {}", e.error->what());
    }
    if (e.domain) {
      if (out.json_mode()) {
        Report report;
        report.result = e.domain->result;
        report.findings = e.domain->findings;
        return out.json_line_text(&report, nullptr, e.exit_code);
      }
      return e.exit_code != 0 || !out.quiet() ? fmt::format("{}", fmt::join(e.lines, "\n")) : std::string();
    }
    const ProbeReport& r = *e.report;
    if (!out.json_mode()) {
      if (e.exit_code == 0 && out.quiet()) return std::string();
      return e.dane ? fmt::format("{}\n      DANE: {}", r.verdict(), dane_summary(*e.dane)) : r.verdict();
    }
    Report report = probe_envelope(f.probe, r);
    if (e.dane) {
      nlohmann::ordered_json dj;
      to_json(dj, *e.dane);
      report.result["dane"] = dj;
      report.findings = e.findings;
    }
    if (!r.could_not_run()) return out.json_line_text(&report, nullptr, e.exit_code);
    Error err(r.failure->message, {}, r.failure->hint);
    return out.json_line_text(&report, &err, e.exit_code);
  };
  auto emit = [&](const FleetEntry& e) {
    if (out.json_mode()) {
      out.data(e.text + "\n");
    } else if (!e.text.empty()) {
      out.result(e.text);
    }
  };
  FleetSummary s = run_fleet(f, *list, out.strict(), emit, render);
  // The summary: how many targets ended how, the failures first.
  out.result("");
  out.result(fmt::format("{} target{} in {:.1f} s, {} at once: {} ok, {} failed", s.targets, s.targets == 1 ? "" : "s",
                         static_cast<double>(s.elapsed.count()) / 1000.0, f.jobs, s.targets - s.failed, s.failed));
  std::vector<std::pair<std::string, std::size_t>> rows(s.outcomes.begin(), s.outcomes.end());
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    if ((a.first == "ok") != (b.first == "ok")) return b.first == "ok";
    return a.second > b.second;
  });
  out.result(fmt::format("  {:<24}{:>8}", "outcome", "targets"));
  for (const auto& [outcome, count] : rows) out.result(fmt::format("  {:<24}{:>8}", outcome, count));
  return s.exit_code();
}

}  // namespace mtlscert::cli
