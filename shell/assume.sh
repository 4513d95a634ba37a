# keyfob for bash and zsh. In ~/.bashrc or ~/.zshrc:  eval "$(keyfob shell-init bash)"  (or zsh)
# `assume` runs keyfob's backend and evals only what it writes to fd 3 (the exports). The
# backend's stdout (a command run with --exec, a console URL, help) goes to the terminal and is
# never evaluated. A failed assume evals nothing, so no variable changes.
# Tells `keyfob doctor` (a child of this shell) that the shim is loaded.
export KEYFOB_SHELL_SHIM=__KEYFOB_SHELL__

assume() {
  local __keyfob_script __keyfob_status
  # Fast path for the everyday `assume PROFILE`: ask the daemon's socket with curl, which starts
  # in a fraction of Node's time. The daemon sends the same script the backend would print, or
  # (HTTP error, curl status 22) the one-line error. Anything else, KEYFOB_FAST_PATH=off, no
  # daemon running yet, or auto-refresh (a token to issue or revoke) goes to the backend below.
  if [ "$#" -eq 1 ] && [ "${1#-}" = "$1" ] && [ "${KEYFOB_FAST_PATH-}" != off ] && [ "${KEYFOB_AUTO_REFRESH-}" != on ] &&
    [ -z "${AWS_CONTAINER_AUTHORIZATION_TOKEN-}" ] && [ -S __KEYFOB_SOCKET__ ] && command -v curl >/dev/null 2>&1; then
    __keyfob_script="$(curl -sS --fail-with-body --unix-socket __KEYFOB_SOCKET__ -G --data-urlencode "profile=$1" --data-urlencode "shell=__KEYFOB_SHELL__" --data-urlencode "exported=${KEYFOB_EXPORTED-}" http://keyfob/v1/shell/assume 2>/dev/null)"
    __keyfob_status=$?
    if [ "$__keyfob_status" -eq 0 ]; then
      eval "$__keyfob_script"
      return 0
    elif [ "$__keyfob_status" -eq 22 ]; then
      printf '%s\n' "$__keyfob_script" >&2
      return 1
    fi
  fi
  { __keyfob_script="$(__KEYFOB_BIN__ assume --shell __KEYFOB_SHELL__ --eval-fd 3 "$@" 3>&1 1>&4 4>&-)"; } 4>&1
  __keyfob_status=$?
  if [ "$__keyfob_status" -eq 0 ] && [ -n "$__keyfob_script" ]; then
    eval "$__keyfob_script"
  fi
  return "$__keyfob_status"
}
