// bundle_stream.cc: check's piecewise reading of a large bundle (why: bundle_stream.h).
//
// Why it is exact: read_ca_file's fast path and pem::scan are both line-by-line state
// machines that are outside any block right after an END line. Cutting the file just
// after "\n-----END CERTIFICATE-----\n" therefore gives, piece after piece, the same
// blocks, certificates and verdicts as the whole file; the fast path accepts the file
// only if it accepts every piece. What spans pieces is merged here: the DER-exact name
// deduplication (a name sent in an earlier piece is not sent again) and line numbers.
#include "bundle/bundle_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string_view>
#include <unordered_set>

namespace mtlscert::detail {
namespace {

constexpr std::string_view kEndLine = "\n-----END CERTIFICATE-----\n";

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Appends up to want bytes read from fd to buf; false on a read error.
bool read_some(int fd, std::string& buf, std::size_t want, bool& eof) {
  std::size_t old = buf.size();
  buf.resize(old + want);
  std::size_t got = 0;
  while (got < want) {
    ssize_t n = ::read(fd, buf.data() + old + got, want - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) {
      eof = true;
      break;
    }
    got += static_cast<std::size_t>(n);
  }
  buf.resize(old + got);
  return true;
}

// The names sent so far, as indexes into CaFile::names (no second copy of each name).
class SentNames {
 public:
  explicit SentNames(std::vector<std::string>& names) : names_(names), set_(64, Hash{&names}, Equal{&names}) {}
  // Adds name to the list unless a DER-identical one is there; true if it was added.
  bool add(std::string&& name) {
    names_.push_back(std::move(name));
    if (set_.insert(names_.size() - 1).second) return true;
    names_.pop_back();
    return false;
  }

 private:
  struct Hash {
    const std::vector<std::string>* names;
    std::size_t operator()(std::size_t i) const { return std::hash<std::string>{}((*names)[i]); }
  };
  struct Equal {
    const std::vector<std::string>* names;
    bool operator()(std::size_t a, std::size_t b) const { return (*names)[a] == (*names)[b]; }
  };
  std::vector<std::string>& names_;
  std::unordered_set<std::size_t, Hash, Equal> set_;
};

// Merges one piece's read_ca_file result into the whole file's.
void append_piece(CaFile& total, CaFile&& piece, SentNames& sent) {
  std::size_t next = 0;
  for (CaFileCert c : piece.read) {
    // A name the piece did not send repeats one of the piece's own: sent before already.
    if (c.name_sent) c.name_sent = sent.add(std::move(piece.names[next++]));
    total.read.push_back(c);
  }
  total.loaded_certificates += piece.loaded_certificates;
  total.loaded_objects += piece.loaded_objects;
}

// The objects load_objects(piece, path, {.x509 = false}) finds in a piece of the fast
// layout: one "CERTIFICATE" object per block, at the line of its BEGIN marker, with the
// view and the fingerprint of its DER, taken from the fast path's own decoding.
void add_objects(std::string_view piece, std::size_t lines_before, std::vector<FastCertView>& views, const CaFile& read,
                 std::vector<PkiObject>& out) {
  std::size_t line = lines_before + 1, at = 0;
  for (std::size_t i = 0; i < views.size(); ++i) {
    line += static_cast<std::size_t>(std::count(piece.begin() + static_cast<std::ptrdiff_t>(at),
                                                piece.begin() + static_cast<std::ptrdiff_t>(views[i].offset), '\n'));
    at = views[i].offset;
    PkiObject& o = out.emplace_back();
    o.kind = ObjectKind::Certificate;
    o.label = "CERTIFICATE";
    o.line = line;
    o.view = std::move(views[i].view);
    o.sha256 = read.read[i].sha256;
  }
}

}  // namespace

bool read_bundle_streamed(const std::string& path, std::size_t max_bytes, const LoadOptions& options, CaFile& ca,
                          PkiFile& file, std::size_t min_size, std::size_t piece_size) {
  if (path == "-" || options.x509) return false;  // X509 objects: trim and split read the whole file
  // O_NONBLOCK: opening a FIFO must not wait for a writer (io::read_file then says what
  // the file is); it changes nothing for reading a regular file.
  Fd in{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  struct stat st {};
  if (in.fd < 0 || ::fstat(in.fd, &st) != 0 || !S_ISREG(st.st_mode)) return false;
  auto size = static_cast<std::size_t>(st.st_size);
  if (size < min_size || size > max_bytes) return false;

  ca = CaFile{};
  ca.fast = true;
  SentNames sent(ca.names);
  file = PkiFile{};
  file.path = path;
  file.format = FileFormat::Pem;
  std::vector<FastCertView> views;
  std::string buf;
  buf.reserve(piece_size + (64u << 10));
  std::size_t lines_before = 0, done = 0;  // done: bytes of the pieces already read
  bool eof = false;
  while (!eof) {
    if (!read_some(in.fd, buf, piece_size, eof) || done + buf.size() > max_bytes) return false;
    std::size_t cut = buf.size();
    if (!eof) {
      std::size_t at = buf.rfind(kEndLine);
      if (at == std::string_view::npos) continue;  // no END line yet: read on
      cut = at + kEndLine.size();
    }
    std::string_view piece(buf.data(), cut);
    std::optional<CaFile> fast = read_ca_file_fast(piece, views);
    if (!fast) return false;
    if (file.objects.empty() && !views.empty()) {
      // Room for the whole file's certificates at this piece's density, once.
      file.objects.reserve(views.size() * (size / std::max<std::size_t>(cut, 1) + 1));
      ca.read.reserve(file.objects.capacity());
    }
    add_objects(piece, lines_before, views, *fast, file.objects);
    append_piece(ca, std::move(*fast), sent);
    lines_before += static_cast<std::size_t>(std::count(piece.begin(), piece.end(), '\n'));
    done += cut;
    buf.erase(0, cut);
  }
  if (ca.read.empty()) return false;
  ca.loads = true;  // the fast path read every block: each is a certificate X509_STORE_load_file adds
  return true;
}

}  // namespace mtlscert::detail
