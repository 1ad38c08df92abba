// io.h: reading inputs with clear errors, and writing outputs atomically with
// the right permissions from the first byte.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtlscert::io {

/// The largest input read by default (a system CA bundle is ~200 KB; 64 MiB leaves
/// room for generated test bundles while bounding memory on a hostile file).
inline constexpr std::size_t kDefaultMaxInput = 64u << 20;

/// read_file returns the whole content of path ("-" reads standard input).
/// role names the file in errors ("key file", "CSR", "CA bundle").
/// Throws Error naming role and path for: missing file, directory, unreadable,
/// larger than max_bytes.
std::string read_file(const std::string& path, std::string_view role, std::size_t max_bytes = kDefaultMaxInput);

/// read_file_head reads path ("-": standard input) from its start until done(bytes read so
/// far) is true, the end of the file, or more than max_bytes are held, whichever comes first:
/// at most max_bytes plus one read (64 KiB), whatever the size of the file (a message's
/// header section without its body). Same checks and errors as read_file, but a larger file
/// is not an error.
std::string read_file_head(const std::string& path, std::string_view role, std::size_t max_bytes,
                           const std::function<bool(std::string_view)>& done);

/// How write_file_atomic creates its output.
struct WriteOptions {
  mode_t mode = 0644;              ///< final permissions, exact (umask does not apply)
  bool overwrite = false;          ///< replace an existing file (--force)
  std::optional<gid_t> group;      ///< chgrp the file before any byte is written
  std::string_view role = "file";  ///< used in messages: "key file", "CSR", …
  bool dry_run = false;            ///< --dry-run: every check below, then write nothing
};

/// write_file_atomic writes bytes to path so that path either keeps its old
/// content or has the complete new content, never something in between:
/// a temporary file is created exclusively in the target directory with mode
/// 0600 (so a key is never readable by others, whatever the umask), given its
/// group and final mode, written, fsynced, then renamed over the target (or
/// linked without replacing anything when overwrite is false). A symlink at the
/// target is never followed. On failure the temporary file is removed and Error
/// names the path, the cause and what to do.
/// Returns warnings worth telling the user (e.g. a group-writable directory).
/// With options.dry_run it makes every check (name, links on the way, the directory and
/// whether this process may create files in it, an existing target) and writes nothing.
std::vector<std::string> write_file_atomic(const std::string& path, std::string_view bytes,
                                           const WriteOptions& options);

/// parent_dir: the directory part of path ("." when it has none, "/" for "/x").
std::string parent_dir(const std::string& path);

/// absolute_dir: dir made absolute and normalised, without a trailing slash (not resolved:
/// no symlink is followed). Throws Error naming --dir.
std::string absolute_dir(const std::string& dir);

/// lookup_group resolves a group name (or numeric gid) or throws Error.
gid_t lookup_group(const std::string& name);

/// mode_string formats permission bits as "0600".
std::string mode_string(mode_t mode);

}  // namespace mtlscert::io
