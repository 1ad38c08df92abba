// completion.h: shell completion scripts for mtlscert, rendered from a plain description of
// the command tree. cli.cc fills that description by walking the CLI11 App (the one source
// of commands and flags), so a new command or flag needs no change here.
//
// What a value completes to is read from the type name --help shows: "FILE", "FILE...",
// "KEYFILE", a CLI11 ExistingFile check → files; "DIR" → directories; "GROUP" → group names;
// "HOST[:PORT]" → host names; "a|b|c" or a CLI11 IsMember check "{a,b,c}" → those words;
// anything else ("TEXT", "INT") → nothing offered.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mtlscert::cli {

struct CompletionOption {
  std::vector<std::string> names;  ///< "--out", "-o" as typed on the command line
  std::string description;         ///< the help line
  bool takes_value = false;        ///< false for a flag
  std::string type_name;           ///< as --help shows it, with CLI11 check descriptions ("TEXT:{a,b}")
};

struct CompletionCommand {
  std::string name;                           ///< "genkey"; the program name for the root
  std::string summary;                        ///< first line of the description
  bool hidden = false;                        ///< not listed by --help: completed only once typed
  std::vector<CompletionOption> options;      ///< named options and flags (hidden ones left out)
  std::vector<std::string> positional_types;  ///< type names of positional arguments, in order
  std::vector<CompletionCommand> subcommands;
};

/// What a value completes to: kind is "file", "dir", "group", "host", "choice" (with choices) or "any".
struct ValueCompletion {
  std::string kind;
  std::vector<std::string> choices;
};
ValueCompletion classify_value(std::string_view type_name);

/// bash_completion: a script for /usr/share/bash-completion/completions/mtlscert
/// defining _mtlscert and `complete -F _mtlscert mtlscert`.
std::string bash_completion(const CompletionCommand& root, std::string_view version);
/// zsh_completion: a #compdef script for /usr/share/zsh/vendor-completions/_mtlscert.
std::string zsh_completion(const CompletionCommand& root, std::string_view version);

}  // namespace mtlscert::cli
