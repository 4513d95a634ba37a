# keyfob for bash and zsh. In ~/.bashrc or ~/.zshrc:  eval "$(keyfob shell-init bash)"  (or zsh)
# `assume` runs keyfob's backend and evals only what it writes to fd 3 (the exports). The
# backend's stdout (a command run with --exec, a console URL, help) goes to the terminal and is
# never evaluated. A failed assume evals nothing, so no variable changes.
# Tells `keyfob doctor` (a child of this shell) that the shim is loaded.
export KEYFOB_SHELL_SHIM=__KEYFOB_SHELL__

assume() {
  local __keyfob_script __keyfob_status __keyfob_sock __keyfob_cfg __keyfob_creds \
    __keyfob_answer __keyfob_code __keyfob_at __keyfob_route __keyfob_left __keyfob_tail __keyfob_max_time
  # Fast path for the everyday `assume PROFILE`: ask the daemon's socket with curl (fastpath.sh,
  # the same call the installed keyfob command makes), which starts in a fraction of Node's time,
  # once the socket passes the same trust check as keyfob's own (trusted-socket.sh: only your own
  # daemon can have made it). The daemon sends the same script the backend would print, or its
  # refusal as one line. The backend below runs when the fast path could not ask (no curl, no
  # daemon yet, an untrusted socket, a connection error), when the daemon needs what only the
  # backend gives (428), for a session that ended at a terminal (401: the backend signs in),
  # with KEYFOB_FAST_PATH=off, and for auto-refresh (a token to issue or revoke).
  if [ "$#" -eq 1 ] && [ "${1#-}" = "$1" ] && [ "${KEYFOB_FAST_PATH-}" != off ] && [ "${KEYFOB_AUTO_REFRESH-}" != on ] &&
    [ -z "${AWS_CONTAINER_AUTHORIZATION_TOKEN-}" ] && command -v curl >/dev/null 2>&1; then
    __keyfob_locate
    if [ -S "$__keyfob_sock" ] && sh __KEYFOB_TRUST__ "$__keyfob_sock"; then
      __keyfob_ask "$__keyfob_sock" /v1/shell/assume "profile=$1" "shell=__KEYFOB_SHELL__" "exported=${KEYFOB_EXPORTED-}" \
        "config=$__keyfob_cfg" "credentials=$__keyfob_creds"
      case $? in
        0)
          eval "$__keyfob_answer"
          return 0
          ;;
        1)
          if [ "$__keyfob_code" != 401 ] || ! { [ -t 0 ] && [ -t 2 ]; }; then
            printf '%s\n' "$__keyfob_answer" >&2
            return 1
          fi
          ;;
      esac
    fi
  fi
  { __keyfob_script="$(__KEYFOB_BIN__ assume --shell __KEYFOB_SHELL__ --eval-fd 3 "$@" 3>&1 1>&4 4>&-)"; } 4>&1
  __keyfob_status=$?
  if [ "$__keyfob_status" -eq 0 ] && [ -n "$__keyfob_script" ]; then
    eval "$__keyfob_script"
  fi
  return "$__keyfob_status"
}

# Auto-refresh tokens end with the daemon that issued them, so nobody who saw one while it was
# down (a squatter on its port) can use it later. At each prompt, a shell whose token's daemon is
# gone gets a new token from the current one, quietly; builtins only until then.
__keyfob_prompt() {
  case ",${KEYFOB_EXPORTED-}," in *,AWS_CONTAINER_AUTHORIZATION_TOKEN,*) ;; *) return 0 ;; esac
  if [ -z "${KEYFOB_DAEMON_PID-}" ] || kill -0 "$KEYFOB_DAEMON_PID" 2>/dev/null; then return 0; fi
  if ! assume --auto-refresh "${KEYFOB_PROFILE-}" 2>/dev/null; then
    KEYFOB_DAEMON_PID= # once: the line below says what to run
    printf 'keyfob: the auto-refresh credentials for %s ended with their daemon; run: assume --auto-refresh %s\n' "${KEYFOB_PROFILE-}" "${KEYFOB_PROFILE-}" >&2
  fi
  return 0
}
if [ -n "${ZSH_VERSION-}" ]; then
  autoload -Uz add-zsh-hook && add-zsh-hook precmd __keyfob_prompt
else
  case ";${PROMPT_COMMAND-};" in
    *";__keyfob_prompt;"*) ;;
    *) PROMPT_COMMAND="__keyfob_prompt${PROMPT_COMMAND:+;$PROMPT_COMMAND}" ;;
  esac
fi
