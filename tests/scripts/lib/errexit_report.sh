# Sourced by every test script through BASH_ENV (tests/CMakeLists.txt): when 'set -e' ends a
# script, say where and on which command, since otherwise the test just stops without a word.
# Only errexit deaths are reported: failures that a script handles (if, ||, &&) are not.
set -E
trap 'mtlscert_errexit_rc=$?; [[ $- == *e* ]] && echo "${BASH_SOURCE[0]##*/}:${LINENO}: stopped by set -e: exit ${mtlscert_errexit_rc} from: ${BASH_COMMAND}" >&2' ERR
