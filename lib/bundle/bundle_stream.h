// bundle_stream.h (internal to lib/bundle): read a large bundle piece by piece, so that
// check never holds the whole file next to what it decoded from it (issue 12: peak
// RSS <= 1.5x the file size on 100,000 certificates).
#pragma once

#include <string>

#include "bundle/ca_file.h"
#include "pki/objects.h"

namespace mtlscert::detail {

/// Files below this size are read whole: streaming only pays off on large bundles.
inline constexpr std::size_t kStreamBundleAbove = 8u << 20;

/// read_bundle_streamed fills ca and file exactly as read_ca_file(bytes) and
/// load_objects(bytes, path, options) would on the whole content of path, reading it in
/// pieces that end after an "-----END CERTIFICATE-----" line. It returns false, with ca
/// and file unspecified, when it cannot answer exactly that way: path is not a regular
/// file of at least min_size and at most max_bytes bytes, options.x509 is set, or the
/// content is not in read_ca_file's fast layout (then the caller reads the file whole).
/// Never throws for content.
/// min_size and piece (the bytes read at a time) are for tests.
bool read_bundle_streamed(const std::string& path, std::size_t max_bytes, const LoadOptions& options, CaFile& ca,
                          PkiFile& file, std::size_t min_size = kStreamBundleAbove, std::size_t piece = 4u << 20);

}  // namespace mtlscert::detail
