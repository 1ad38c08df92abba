// read_ca_file against OpenSSL itself (SSL_load_client_CA_file + X509_STORE_load_file):
// the recorded divergences in tests/data/ca_file, the real certificate files of the
// Debian packages the suite installs (ca-certificates, libpython3.11-testsuite, …) and
// thousands of deterministic mutations of them.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bundle/ca_file.h"
#include "ca_file_oracle.h"
#include "pki.h"
#include "tempdir.h"

namespace fs = std::filesystem;
using namespace mtlscert;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Counts agreements; keeps the first few disagreeing inputs for the failure message.
struct Differ {
  std::string path;
  std::size_t inputs = 0, agree = 0, fast = 0;
  std::vector<std::string> failures;
  void check(const std::string& what, std::string_view bytes) {
    ++inputs;
    oracle::write_file(path, bytes);
    oracle::Verdict theirs = oracle::openssl_reads(path);
    CaFile ours = read_ca_file(bytes);
    std::string d = oracle::difference(ours, theirs);
    if (d.empty()) d = oracle::difference(read_ca_file_exact(bytes), theirs);
    if (ours.fast) ++fast;
    if (d.empty()) {
      ++agree;
      return;
    }
    if (failures.size() < 10) {
      std::string keep = fmt::format("{}.divergence-{}", path, failures.size());
      oracle::write_file(keep, bytes);
      failures.push_back(fmt::format("{} ({}): {} [input kept in {}]", what, ours.fast ? "fast" : "exact", d, keep));
    }
  }
};

// The certificate files of installed packages: PEM or DER, at most `limit`, sorted.
std::vector<fs::path> package_cert_files(std::size_t limit) {
  std::vector<fs::path> out;
  const char* roots[] = {"/usr/share/ca-certificates", "/usr/lib/python3.11/test", "/usr/lib/python3/dist-packages",
                         "/usr/share/doc"};
  for (const char* root : roots) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) continue;
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (!it->is_regular_file(ec)) continue;
      std::string ext = it->path().extension().string();
      if (ext != ".pem" && ext != ".crt" && ext != ".cer" && ext != ".der") continue;
      if (it->file_size(ec) > (1u << 20)) continue;
      out.push_back(it->path());
    }
  }
  std::sort(out.begin(), out.end());
  if (out.size() > limit) out.resize(limit);
  return out;
}

// Mutations of a PEM text, each a way real bundles go wrong (or differ harmlessly).
std::vector<std::pair<std::string, std::string>> mutations(const std::string& pem) {
  std::vector<std::pair<std::string, std::string>> m;
  auto replace_all = [](std::string s, const std::string& a, const std::string& b) {
    for (std::size_t p = 0; (p = s.find(a, p)) != std::string::npos; p += b.size()) s.replace(p, a.size(), b);
    return s;
  };
  auto at_line = [&](int n, const std::string& insert) {  // before the n-th line (0-based), if any
    std::size_t p = 0;
    for (int i = 0; i < n && p != std::string::npos; ++i) {
      p = pem.find('\n', p);
      if (p != std::string::npos) ++p;
    }
    if (p == std::string::npos || p > pem.size()) return pem + insert;
    return pem.substr(0, p) + insert + pem.substr(p);
  };
  std::size_t begin = pem.find("-----BEGIN");
  std::size_t end = pem.find("-----END");
  m.emplace_back("as is", pem);
  m.emplace_back("CRLF", replace_all(pem, "\n", "\r\n"));
  m.emplace_back("blank line in base64", at_line(3, "\n"));
  m.emplace_back("spaces-only line in base64", at_line(3, "   \n"));
  m.emplace_back("blank line after BEGIN", at_line(1, "\n"));
  m.emplace_back("Comment header", at_line(1, "Comment: from a vendor\n"));
  m.emplace_back("Comment header and blank", at_line(1, "Comment: from a vendor\n\n"));
  m.emplace_back("Proc-Type header",
                 at_line(1, "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n"));
  m.emplace_back("NUL in base64", at_line(2, std::string("AAAA\0AAAA\n", 10)));
  m.emplace_back("NUL in text before", std::string("text\0more\n", 10) + pem);
  m.emplace_back("NUL at end of base64 line", replace_all(pem, "\n-----END", std::string("\0\n-----END", 10)));
  m.emplace_back("BOM", "\xEF\xBB\xBF" + pem);
  m.emplace_back("BOM after blank line", "\n\xEF\xBB\xBF" + pem);
  m.emplace_back("indented BEGIN", replace_all(pem, "-----BEGIN", " -----BEGIN"));
  m.emplace_back("indented END", replace_all(pem, "-----END", " -----END"));
  m.emplace_back("indented base64", at_line(2, "  "));
  m.emplace_back("tab after BEGIN", replace_all(pem, "CERTIFICATE-----\n", "CERTIFICATE-----\t\n"));
  m.emplace_back("#-----BEGIN", "#" + pem + pem);
  m.emplace_back("text before BEGIN on its line", replace_all(pem, "-----BEGIN", "subject=x -----BEGIN"));
  m.emplace_back("text after END on its line", replace_all(pem, "CERTIFICATE-----\n-", "CERTIFICATE----- x\n-"));
  m.emplace_back("no padding", replace_all(replace_all(pem, "==\n", "\n"), "=\n", "\n"));
  m.emplace_back("extra padding", replace_all(pem, "\n-----END", "=\n-----END"));
  m.emplace_back("no final newline", pem.substr(0, pem.size() - 1));
  m.emplace_back("missing END", end != std::string::npos ? pem.substr(0, end) : pem);
  m.emplace_back("missing END then more", end != std::string::npos ? pem.substr(0, end) + pem : pem);
  m.emplace_back("trailing junk", pem + "junk after the block\n");
  m.emplace_back("dashes junk", pem + "-----\n");
  m.emplace_back("TRUSTED CERTIFICATE", replace_all(pem, " CERTIFICATE-----", " TRUSTED CERTIFICATE-----"));
  m.emplace_back("X509 CERTIFICATE", replace_all(pem, " CERTIFICATE-----", " X509 CERTIFICATE-----"));
  m.emplace_back("lower-case label", replace_all(pem, " CERTIFICATE-----", " certificate-----"));
  m.emplace_back("END label differs", replace_all(pem, "END CERTIFICATE", "END X509 CRL"));
  m.emplace_back("garbage CSR between",
                 pem + "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n" + pem);
  m.emplace_back("garbage PKCS7 between", pem + "-----BEGIN PKCS7-----\nMAA=\n-----END PKCS7-----\n" + pem);
  m.emplace_back("bad base64 PKCS7 between", pem + "-----BEGIN PKCS7-----\n!!!!\n-----END PKCS7-----\n" + pem);
  m.emplace_back("garbage private key between",
                 pem + "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n" + pem);
  m.emplace_back("garbage CRL", "-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n" + pem);
  m.emplace_back("twice", pem + pem);
  if (begin != std::string::npos) {
    m.emplace_back("long lines", [&] {
      std::string s = pem;
      std::string out;
      std::size_t p = 0;
      while (p < s.size()) {  // join base64 lines: no LF between two base64 lines
        std::size_t e = s.find('\n', p);
        if (e == std::string::npos) e = s.size();
        std::string line = s.substr(p, e - p);
        bool b64 = !line.empty() && line.find("-----") == std::string::npos;
        out += line;
        std::size_t nx = e + 1;
        bool next_b64 = nx < s.size() && s.compare(nx, 5, "-----") != 0;
        if (!(b64 && next_b64) || e == s.size()) out += '\n';
        p = e + 1;
      }
      return out;
    }());
  }
  for (std::size_t cut : {pem.size() / 3, pem.size() / 2, pem.size() - 30}) {
    if (cut < pem.size()) m.emplace_back(fmt::format("truncated at {}", cut), pem.substr(0, cut));
  }
  return m;
}

}  // namespace

TEST_CASE("read_ca_file: the recorded divergences in tests/data/ca_file, against expected figures and OpenSSL") {
  oracle::detach_terminal();
  test::TempDir dir;
  fs::path data = fs::path(MTLSCERT_SOURCE_DIR) / "tests/data/ca_file";
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(data)) {
    if (entry.path().extension() != ".expected") continue;
    fs::path input = entry.path();
    input.replace_extension("");
    std::string bytes = slurp(input);
    std::map<std::string, std::size_t> want;
    std::istringstream in(slurp(entry.path()));
    for (std::string key; in >> key;) in >> want[key];
    CAPTURE(input.string());
    CaFile ours = read_ca_file(bytes);
    CHECK(ours.loads == (want.at("loads") != 0));
    CHECK(ours.names.size() == want.at("names"));
    CHECK(ours.list().list_bytes == want.at("list_bytes"));
    oracle::write_file(dir.file("f"), bytes);
    CHECK(oracle::difference(ours, oracle::openssl_reads(dir.file("f"))).empty());
    ++files;
  }
  CHECK(files >= 15);
}

TEST_CASE("read_ca_file: DER-exact deduplication, as OpenSSL's xname_cmp") {
  oracle::detach_terminal();
  test::TempDir dir;
  test::Issued upper = test::make_cert({.cn = "Example CA"});
  test::Issued lower = test::make_cert({.cn = "example ca"});
  test::Issued again = test::make_cert({.cn = "Example CA"});
  std::string bundle = upper.cert_pem() + lower.cert_pem() + again.cert_pem();
  CaFile r = read_ca_file(bundle);
  CHECK(r.fast);
  CHECK(r.read.size() == 3);
  CHECK(r.names.size() == 2);  // X509_NAME_cmp would call all three one name
  CHECK(r.list().list_bytes == 2 + 2 * (2 + static_cast<std::size_t>(test::subject_der_length(upper.cert.get()))));
  oracle::write_file(dir.file("f"), bundle);
  CHECK(oracle::difference(r, oracle::openssl_reads(dir.file("f"))).empty());
}

TEST_CASE("read_ca_file: every certificate file of the installed packages and their mutations agree with OpenSSL") {
  oracle::detach_terminal();
  test::TempDir dir;
  Differ d{.path = dir.file("input.pem")};
  std::vector<fs::path> files = package_cert_files(4000);
  std::size_t real = 0;
  for (const auto& p : files) {
    d.check(p.string(), slurp(p));
    ++real;
  }
  std::string store = slurp("/etc/ssl/certs/ca-certificates.crt");
  d.check("ca-certificates.crt", store);
  ++real;
  // Mutation bases: the PEM files among them, a few certificates of the system store.
  std::vector<std::string> bases;
  for (const auto& p : files) {
    std::string s = slurp(p);
    if (s.find("-----BEGIN") != std::string::npos && bases.size() < 250) bases.push_back(s);
  }
  for (std::size_t p = 0, n = 0; n < 40 && (p = store.find("-----BEGIN", p)) != std::string::npos; ++n) {
    std::size_t e = store.find("-----END CERTIFICATE-----\n", p);
    if (e == std::string::npos) break;
    e += 26;
    bases.push_back(store.substr(p, e - p) +
                    (n % 2 == 0 ? store.substr(e, store.find("-----END", e + 1) + 26 - e) : ""));
    p = e;
  }
  std::size_t mutated = 0;
  std::mt19937 rng(12);
  for (const auto& base : bases) {
    for (const auto& [what, bytes] : mutations(base)) {
      d.check(what, bytes);
      ++mutated;
    }
    for (int i = 0; i < 6; ++i) {  // random byte changes, reproducible
      std::string s = base;
      std::size_t at = rng() % s.size();
      s[at] = static_cast<char>("\n\r \t=-A/+\0#:"[rng() % 12]);
      d.check(fmt::format("byte {} changed", at), s);
      ++mutated;
    }
  }
  MESSAGE(fmt::format("differential: {} real files, {} mutations: {} of {} agree with OpenSSL ({} by the fast path)",
                      real, mutated, d.agree, d.inputs, d.fast));
  for (const auto& f : d.failures) MESSAGE(f);
  CHECK(real > 100);
  CHECK(mutated > 2000);
  CHECK(d.agree == d.inputs);
}
