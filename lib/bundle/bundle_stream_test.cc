// read_bundle_streamed: a bundle read piece by piece gives exactly what read_ca_file and
// load_objects give on the whole file, whatever the size of the pieces.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "bundle/bundle_stream.h"
#include "pki.h"
#include "tempdir.h"

using namespace mtlscert;

namespace {

void write(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

// Streams path in pieces of `piece` bytes; false if it fell back. Compares with the whole file.
bool same_as_whole(const std::string& path, const std::string& bytes, std::size_t piece) {
  CaFile ca;
  PkiFile file;
  if (!detail::read_bundle_streamed(path, 1u << 30, {.x509 = false}, ca, file, 0, piece)) return false;
  CaFile whole_ca = read_ca_file(bytes);
  PkiFile whole = load_objects(bytes, path, {.x509 = false});
  CHECK(whole_ca.fast);
  CHECK(ca.loads == whole_ca.loads);
  CHECK(ca.loaded_objects == whole_ca.loaded_objects);
  CHECK(ca.loaded_certificates == whole_ca.loaded_certificates);
  CHECK(ca.names == whole_ca.names);
  REQUIRE(ca.read.size() == whole_ca.read.size());
  for (std::size_t i = 0; i < ca.read.size(); ++i) {
    CAPTURE(i);
    CHECK(ca.read[i].sha256 == whole_ca.read[i].sha256);
    CHECK(ca.read[i].name_bytes == whole_ca.read[i].name_bytes);
    CHECK(ca.read[i].name_sent == whole_ca.read[i].name_sent);
  }
  CHECK(file.format == whole.format);
  REQUIRE(file.objects.size() == whole.objects.size());
  for (std::size_t i = 0; i < file.objects.size(); ++i) {
    const PkiObject &a = file.objects[i], &b = whole.objects[i];
    CAPTURE(i);
    CHECK(a.kind == b.kind);
    CHECK(a.label == b.label);
    CHECK(a.line == b.line);
    CHECK(a.sha256 == b.sha256);
    CHECK(a.view.subject_der == b.view.subject_der);
    CHECK(a.view.subject_hash == b.view.subject_hash);
    CHECK(a.view.issuer_der == b.view.issuer_der);
    CHECK(a.view.not_before == b.view.not_before);
    CHECK(a.view.not_after == b.view.not_after);
    CHECK(a.view.signature_nid == b.view.signature_nid);
    CHECK(a.view.key_label == b.view.key_label);
    CHECK(a.view.key_bits == b.view.key_bits);
    CHECK(a.view.is_ca == b.view.is_ca);
    CHECK(a.view.has_basic_constraints == b.view.has_basic_constraints);
    CHECK(a.view.self_issued == b.view.self_issued);
  }
  return true;
}

}  // namespace

TEST_CASE("read_bundle_streamed: piece by piece, the same names, lines and views as the whole file") {
  test::TempDir dir;
  std::string path = dir.file("bundle.pem");
  auto root = test::make_cert({.cn = "Stream Root"});
  std::string text = "# a bundle with text between blocks\n\n";
  for (int i = 0; i < 300; ++i) {
    // Every third name repeats an earlier one (another key): sent once, possibly from another piece.
    test::CertSpec spec{.cn = "Stream CA " + std::to_string(i % 3 == 2 ? i / 3 : i)};
    spec.serial = i + 1;
    spec.ca = i % 5 != 0;
    text += "# CA " + std::to_string(i) + "\n" + test::make_cert(spec, &root).cert_pem();
  }
  text += root.cert_pem() + "trailing text\n";
  write(path, text);
  for (std::size_t piece : {64u, 1000u, 4096u, 65536u, 1u << 22}) {
    CAPTURE(piece);
    CHECK(same_as_whole(path, text, piece));
  }
  // The same file twice: every name of the second copy was sent by the first.
  write(path, text + text);
  CHECK(same_as_whole(path, text + text, 5000));
}

TEST_CASE("read_bundle_streamed: files outside the fast layout are left to the whole-file reading") {
  test::TempDir dir;
  std::string path = dir.file("bundle.pem");
  auto root = test::make_cert({.cn = "Stream Root"});
  std::string pem = root.cert_pem();
  std::string good;
  for (int i = 0; i < 20; ++i) good += pem;
  for (const std::string& bad :
       {good + "\r\n", good + pem.substr(0, pem.size() / 2), "#-----BEGIN x\n" + good,
        good + "-----BEGIN X509 CRL-----\nQUJD\n-----END X509 CRL-----\n", std::string("no certificate at all\n")}) {
    write(path, bad);
    CHECK_FALSE(same_as_whole(path, bad, 700));
  }
  write(path, good);
  CaFile ca;
  PkiFile file;
  CHECK_FALSE(detail::read_bundle_streamed(path, 1u << 30, {.x509 = true}, ca, file, 0, 700));
  CHECK_FALSE(detail::read_bundle_streamed(path, 1u << 30, {.x509 = false}, ca, file, good.size() + 1, 700));
  CHECK_FALSE(detail::read_bundle_streamed(path, good.size() - 1, {.x509 = false}, ca, file, 0, 700));
  CHECK(detail::read_bundle_streamed(path, good.size(), {.x509 = false}, ca, file, 0, 700));
  // A FIFO without a writer is not waited for.
  std::string fifo = dir.file("fifo");
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_FALSE(detail::read_bundle_streamed(fifo, 1u << 30, {.x509 = false}, ca, file, 0, 700));
}
