// fake-smtp-server DIR: a STARTTLS server on 127.0.0.1 for bench/probe.sh. Writes
// DIR/ca.pem (the CA to verify with), prints the port, serves until killed.
#include <cstdio>

#include "fake_smtp.h"
#include "pki.h"
#include "tempdir.h"

using namespace mtlscert::test;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fake-smtp-server DIR\n");
    return 2;
  }
  Issued ca = make_cert({.cn = "Bench Root CA"});
  Issued leaf =
      make_cert({.cn = "mx.bench.example", .ca = false, .dns = {"mx.bench.example"}, .eku = "serverAuth"}, &ca);
  std::FILE* f = std::fopen((std::string(argv[1]) + "/ca.pem").c_str(), "w");
  if (f == nullptr) return 2;
  std::string pem = ca.cert_pem();
  std::fwrite(pem.data(), 1, pem.size(), f);
  std::fclose(f);
  FakeSmtpServer server({.tls = FakeTls{.cert = leaf.cert.get(), .key = leaf.key.get()}});
  std::printf("%d\n", server.port());
  std::fflush(stdout);
  server.wait();
  return 0;
}
