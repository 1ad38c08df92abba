#include "completion.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include <fmt/format.h>

namespace mtlscert::cli {
namespace {

// sq quotes a word for sh/bash/zsh: '…' with embedded quotes as '\''.
std::string sq(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    parts.emplace_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

bool is_word(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '+';
  });
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

std::string summary_line(std::string_view text) { return std::string(text.substr(0, text.find('\n'))); }

// One command with its path ("" for the program itself, "bundle check" for a nested one).
struct Node {
  std::string path;
  const CompletionCommand* command;
};

void flatten(const CompletionCommand& c, const std::string& path, std::vector<Node>& out) {
  out.push_back({path, &c});
  for (const auto& sub : c.subcommands) flatten(sub, path.empty() ? sub.name : path + " " + sub.name, out);
}

std::string value_word(const ValueCompletion& v) {
  if (v.kind != "choice") return v.kind;
  std::string s = "choice";
  for (const auto& c : v.choices) s += " " + c;
  return s;
}

// The helper functions both shells share; zsh lists carry "name:description" for _describe.
std::string table_functions(const CompletionCommand& root, bool zsh) {
  std::vector<Node> nodes;
  flatten(root, "", nodes);
  std::string s;

  s += "# _mtlscert_commands PATH: the subcommands of command PATH ('' is mtlscert itself)";
  s += zsh ? ", as name:summary.\n" : ".\n";
  s += "_mtlscert_commands() {\n  case $1 in\n";
  for (const auto& n : nodes) {
    std::string words;
    for (const auto& sub : n.command->subcommands) {
      if (sub.hidden) continue;
      words += " " + sq(zsh ? sub.name + ":" + summary_line(sub.summary) : sub.name);
    }
    if (!words.empty()) s += fmt::format("    {}) printf '%s\\n'{} ;;\n", sq(n.path), words);
  }
  s += "  esac\n}\n\n";

  s += "# _mtlscert_is_command 'PATH WORD': whether WORD is a subcommand of PATH (hidden ones too).\n";
  s += "_mtlscert_is_command() {\n  case $1 in\n";
  std::string alternatives;
  for (const auto& n : nodes) {
    if (n.path.empty()) continue;
    alternatives += (alternatives.empty() ? "" : "|") + sq(n.path);
  }
  if (!alternatives.empty()) s += fmt::format("    {}) return 0 ;;\n", alternatives);
  s += "  esac\n  return 1\n}\n\n";

  s += "# _mtlscert_flags PATH: the long flags of command PATH";
  s += zsh ? ", as flag:help.\n" : ".\n";
  s += "_mtlscert_flags() {\n  case $1 in\n";
  for (const auto& n : nodes) {
    std::string words;
    for (const auto& o : n.command->options) {
      for (const auto& name : o.names) {
        if (name.rfind("--", 0) != 0) continue;
        words += " " + sq(zsh ? name + ":" + summary_line(o.description) : name);
      }
    }
    if (!words.empty()) s += fmt::format("    {}) printf '%s\\n'{} ;;\n", sq(n.path), words);
  }
  s += "  esac\n}\n\n";

  s += "# _mtlscert_value PATH OPTION: what OPTION's value completes to (file, dir, group,\n"
       "# host, any, 'choice A B...'); fails for a flag, which takes no value.\n";
  s += "_mtlscert_value() {\n  case ${1}:${2} in\n";
  for (const auto& n : nodes) {
    for (const auto& o : n.command->options) {
      if (!o.takes_value || o.names.empty()) continue;
      std::string patterns;
      for (const auto& name : o.names) patterns += (patterns.empty() ? "" : "|") + sq(n.path + ":" + name);
      s += fmt::format("    {}) echo {} ;;\n", patterns, sq(value_word(classify_value(o.type_name))));
    }
  }
  s += "    *) return 1 ;;\n  esac\n}\n\n";

  s += "# _mtlscert_positional PATH: what the arguments of command PATH complete to; fails if it takes none.\n";
  s += "_mtlscert_positional() {\n  case $1 in\n";
  for (const auto& n : nodes) {
    if (n.command->positional_types.empty()) continue;
    s += fmt::format("    {}) echo {} ;;\n", sq(n.path),
                     sq(value_word(classify_value(n.command->positional_types.front()))));
  }
  s += "    *) return 1 ;;\n  esac\n}\n\n";
  return s;
}

// _mtlscert_scan: the command path typed so far (words between the program name and the
// word being completed), skipping flags, option values and positional arguments.
constexpr const char* kScanBody = R"SH(  local w skip=0
  cmd=
  for w in "$@"; do
    if [[ $w == "=" ]]; then skip=1; continue; fi
    if ((skip)); then skip=0; continue; fi
    case $w in
      --) break ;;
      -*=*) ;;
      -*) _mtlscert_value "$cmd" "$w" >/dev/null && skip=1 ;;
      *) _mtlscert_is_command "${cmd:+$cmd }$w" && cmd=${cmd:+$cmd }$w ;;
    esac
  done
)SH";

constexpr const char* kBashMain = R"SH(# _mtlscert_reply KIND: fill COMPREPLY with the values of KIND for $cur.
_mtlscert_reply() {
  case $1 in
    file)
      if declare -F _filedir >/dev/null; then _filedir; else
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      fi ;;
    dir)
      if declare -F _filedir >/dev/null; then _filedir -d; else
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      fi ;;
    group) mapfile -t COMPREPLY < <(compgen -g -- "$cur") ;;
    host) mapfile -t COMPREPLY < <(compgen -A hostname -- "$cur") ;;
    choice\ *) mapfile -t COMPREPLY < <(compgen -W "${1#choice }" -- "$cur") ;;
  esac
}

_mtlscert() {
  local cur=${COMP_WORDS[COMP_CWORD]} cmd opt= kind
  COMPREPLY=()
  _mtlscert_scan "${COMP_WORDS[@]:1:COMP_CWORD-1}"
  # The value of an option: "--out F", or "--out=F", which bash splits into --out, =, F.
  if [[ $cur == "=" ]]; then
    opt=${COMP_WORDS[COMP_CWORD-1]} cur=
  elif ((COMP_CWORD >= 2)) && [[ ${COMP_WORDS[COMP_CWORD-1]} == "=" ]]; then
    opt=${COMP_WORDS[COMP_CWORD-2]}
  elif ((COMP_CWORD >= 2)); then
    opt=${COMP_WORDS[COMP_CWORD-1]}
  fi
  if [[ $opt == -* ]] && kind=$(_mtlscert_value "$cmd" "$opt"); then
    _mtlscert_reply "$kind"
    return 0
  fi
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_mtlscert_flags "$cmd")" -- "$cur")
    return 0
  fi
  local commands
  commands=$(_mtlscert_commands "$cmd")
  if [[ -n $commands ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
  elif kind=$(_mtlscert_positional "$cmd"); then
    _mtlscert_reply "$kind"
  else
    mapfile -t COMPREPLY < <(compgen -W "$(_mtlscert_flags "$cmd")" -- "$cur")
  fi
  return 0
}

complete -F _mtlscert mtlscert
)SH";

constexpr const char* kZshMain = R"SH(# _mtlscert_reply KIND: offer the values of KIND.
_mtlscert_reply() {
  case $1 in
    file) _files ;;
    dir) _files -/ ;;
    group) _groups ;;
    host) _hosts ;;
    choice\ *) compadd -- ${=1#choice } ;;
    *) _message 'value' ;;
  esac
}

_mtlscert() {
  local cmd opt= kind
  local -a entries
  _mtlscert_scan "${(@)words[2,CURRENT-1]}"
  if [[ $PREFIX == -*=* ]]; then
    opt=${PREFIX%%=*}
    IPREFIX+="$opt="
    PREFIX=${PREFIX#*=}
  elif ((CURRENT > 2)); then
    opt=$words[CURRENT-1]
  fi
  if [[ $opt == -* ]] && kind=$(_mtlscert_value "$cmd" "$opt"); then
    _mtlscert_reply "$kind"
    return
  fi
  if [[ $PREFIX != -* ]]; then
    entries=(${(f)"$(_mtlscert_commands "$cmd")"})
    if ((${#entries})); then
      _describe -t commands 'mtlscert command' entries
      return
    fi
    if kind=$(_mtlscert_positional "$cmd"); then
      _mtlscert_reply "$kind"
      return
    fi
  fi
  entries=(${(f)"$(_mtlscert_flags "$cmd")"})
  _describe -t options 'option' entries
}

if [[ $funcstack[1] == _mtlscert ]]; then
  _mtlscert "$@"
else
  compdef _mtlscert mtlscert
fi
)SH";

}  // namespace

ValueCompletion classify_value(std::string_view type_name) {
  std::vector<std::string> parts = split(type_name, ':');
  std::string base = parts.front();
  // CLI11 check descriptions after the type: {a,b,c} from IsMember, FILE/DIR/PATH from Existing*.
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::string& check = parts[i];
    if (check.size() > 2 && check.front() == '{' && check.back() == '}') {
      std::vector<std::string> choices = split(std::string_view(check).substr(1, check.size() - 2), ',');
      if (std::all_of(choices.begin(), choices.end(), is_word)) return {"choice", choices};
    }
    if (check == "FILE" || check == "PATH" || check == "DIR") base = check;
  }
  while (ends_with(base, "...") || ends_with(base, " ")) base.erase(base.size() - (base.back() == ' ' ? 1 : 3));
  if (base.find('|') != std::string::npos) {
    std::vector<std::string> choices = split(base, '|');
    if (std::all_of(choices.begin(), choices.end(), is_word)) return {"choice", choices};
  }
  if (ends_with(base, "DIR")) return {"dir", {}};
  if (ends_with(base, "GROUP")) return {"group", {}};
  if (base.rfind("HOST", 0) == 0) return {"host", {}};
  if (ends_with(base, "FILE") || base == "PATH") return {"file", {}};
  return {"any", {}};
}

std::string bash_completion(const CompletionCommand& root, std::string_view version) {
  std::string s = fmt::format(
      "# bash completion for mtlscert(1) {}.\n"
      "# Generated by 'mtlscert completion bash' from the program's own command and flag\n"
      "# definitions (the ones --help shows); regenerate it rather than edit it.\n\n",
      version);
  s += table_functions(root, false);
  s += "# _mtlscert_scan WORD...: set cmd to the command path that the words select.\n";
  s += "_mtlscert_scan() {\n";
  s += kScanBody;
  s += "}\n\n";
  s += kBashMain;
  return s;
}

std::string zsh_completion(const CompletionCommand& root, std::string_view version) {
  std::string s = fmt::format(
      "#compdef mtlscert\n"
      "# zsh completion for mtlscert(1) {}.\n"
      "# Generated by 'mtlscert completion zsh' from the program's own command and flag\n"
      "# definitions (the ones --help shows); regenerate it rather than edit it.\n\n",
      version);
  s += table_functions(root, true);
  s += "# _mtlscert_scan WORD...: set cmd to the command path that the words select.\n";
  s += "_mtlscert_scan() {\n";
  s += kScanBody;
  s += "}\n\n";
  s += kZshMain;
  return s;
}

}  // namespace mtlscert::cli
