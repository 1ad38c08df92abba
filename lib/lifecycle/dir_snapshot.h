// dir_snapshot.h: what a directory of CA files and hash links held, to put it back exactly.
//
// install-cert rewrites the CApath directory (the new issuers' files and their openssl-rehash
// links) along with the certificate; a rollback must undo that too, or the directory keeps
// trusting issuers the restored configuration never named. Only the top level is kept: regular
// files (content and mode) and symbolic links (target); other entries are left alone.
#pragma once

#include <sys/types.h>
#include <string>
#include <vector>

namespace mtlscert {

struct DirSnapshot {
  struct Entry {
    std::string name;
    bool link = false;
    std::string data;  ///< the file's bytes, or the link's target
    mode_t mode = 0;   ///< permission bits of a file
  };
  std::string dir;
  bool existed = false;
  std::vector<Entry> entries;  ///< sorted by name
};

/// snapshot_dir reads dir's files and links. Throws Error naming a file it cannot read.
DirSnapshot snapshot_dir(const std::string& dir);

/// restore_dir makes dir hold exactly what the snapshot held: entries added since are removed,
/// changed or removed ones written back (files atomically); a directory that did not exist is
/// removed when empty. Returns how many entries it changed. Throws Error naming the entry.
std::size_t restore_dir(const DirSnapshot& snapshot);

}  // namespace mtlscert
