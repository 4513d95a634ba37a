# keyfob for bash and zsh. In ~/.bashrc or ~/.zshrc:  eval "$(keyfob shell-init bash)"  (or zsh)
# `assume` runs keyfob's backend and evals only what it writes to fd 3 (the exports). The
# backend's stdout (a command run with --exec, a console URL, help) goes to the terminal and is
# never evaluated. A failed assume evals nothing, so no variable changes.
# Tells `keyfob doctor` (a child of this shell) that the shim is loaded.
export KEYFOB_SHELL_SHIM=__KEYFOB_SHELL__

assume() {
  local __keyfob_script __keyfob_status __keyfob_sock __keyfob_cfg __keyfob_creds \
    __keyfob_answer __keyfob_code __keyfob_at __keyfob_route __keyfob_left __keyfob_tail __keyfob_max_time \
    __keyfob_len __keyfob_max __keyfob_uid __keyfob_sum
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

# Is the daemon that issued this shell's auto-refresh token still there? Its pid alone says
# nothing: pids are reused within seconds, by any user. The process at KEYFOB_DAEMON_PID must be
# yours and have the start time the daemon gave as KEYFOB_DAEMON_ID (/proc/PID/stat, read with a
# builtin). Without /proc, the id is random and the daemon's socket must answer it (curl, 1 s).
__keyfob_daemon_alive() {
  local __keyfob_stat __keyfob_left __keyfob_sock __keyfob_cfg __keyfob_creds __keyfob_answer __keyfob_code \
    __keyfob_at __keyfob_route __keyfob_tail __keyfob_len __keyfob_max __keyfob_uid __keyfob_sum __keyfob_max_time=1
  case ${KEYFOB_DAEMON_PID-} in '' | *[!0-9]*) return 1 ;; esac
  [ -n "${KEYFOB_DAEMON_ID-}" ] || return 1
  if [ -d /proc/self ]; then
    [ -O "/proc/$KEYFOB_DAEMON_PID" ] && { read -r __keyfob_stat <"/proc/$KEYFOB_DAEMON_PID/stat"; } 2>/dev/null || return 1
    __keyfob_stat=${__keyfob_stat##*') '} # the fields after "PID (COMM) ": field 22 is the 20th
    __keyfob_left=19
    while [ "$__keyfob_left" -gt 0 ]; do
      __keyfob_stat=${__keyfob_stat#* }
      __keyfob_left=$((__keyfob_left - 1))
    done
    [ "${__keyfob_stat%% *}" = "$KEYFOB_DAEMON_ID" ]
  else
    kill -0 "$KEYFOB_DAEMON_PID" 2>/dev/null || return 1
    __keyfob_locate
    __keyfob_ask "$__keyfob_sock" /v1/ping || return 1
    case $__keyfob_answer in *'"id":"'"$KEYFOB_DAEMON_ID"'"'*) return 0 ;; esac
    return 1
  fi
}

# The static credentials assume exported have expired: say so once, and unset the dead keys (they
# outrank AWS_PROFILE in every SDK, so without them a tool falls back to the profile's own
# credential_process line). AWS_PROFILE, KEYFOB_PROFILE and the region stay. Arithmetic only,
# and the clock from $EPOCHSECONDS where the shell has it (bash 5, zsh/datetime).
__keyfob_expiry() {
  local __keyfob_when=${AWS_CREDENTIAL_EXPIRATION-} __keyfob_y __keyfob_m __keyfob_days __keyfob_at __keyfob_now __keyfob_name __keyfob_left
  case ",${KEYFOB_EXPORTED-}," in *,AWS_CREDENTIAL_EXPIRATION,*) ;; *) return 0 ;; esac
  case $__keyfob_when in [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z) ;; *) return 0 ;; esac
  # Days since 1970 of a civil date (H. Hinnant's days_from_civil; years from March).
  __keyfob_m=$((10#${__keyfob_when:5:2}))
  __keyfob_y=$((10#${__keyfob_when:0:4} - (__keyfob_m <= 2)))
  __keyfob_days=$(((__keyfob_y / 400) * 146097 + (__keyfob_y % 400) * 365 + (__keyfob_y % 400) / 4 - (__keyfob_y % 400) / 100 +
    (153 * ((__keyfob_m + 9) % 12) + 2) / 5 + 10#${__keyfob_when:8:2} - 1 - 719468))
  __keyfob_at=$((__keyfob_days * 86400 + 10#${__keyfob_when:11:2} * 3600 + 10#${__keyfob_when:14:2} * 60 + 10#${__keyfob_when:17:2}))
  __keyfob_now=${EPOCHSECONDS-}
  [ -n "$__keyfob_now" ] || __keyfob_now=$(date +%s)
  [ "$__keyfob_now" -ge "$__keyfob_at" ] || return 0
  __keyfob_name=${KEYFOB_PROFILE-}
  __keyfob_name=${__keyfob_name//[[:cntrl:]]/?} # from the config: nothing a terminal acts on
  printf 'keyfob: the credentials for %s expired at %s; run: assume %s (or assume --auto-refresh %s)\n' "$__keyfob_name" \
    "$(date -d "@$__keyfob_at" '+%H:%M %Z' 2>/dev/null || date -r "$__keyfob_at" '+%H:%M %Z')" "$__keyfob_name" "$__keyfob_name" >&2
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION
  __keyfob_left=",$KEYFOB_EXPORTED,"
  for __keyfob_name in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION; do
    __keyfob_left=${__keyfob_left/,$__keyfob_name,/,}
  done
  __keyfob_left=${__keyfob_left#,}
  export KEYFOB_EXPORTED="${__keyfob_left%,}"
}

# At each prompt: static credentials that expired are named once (above); and auto-refresh tokens,
# which end with the daemon that issued them (so nobody who saw one while it was down, a squatter
# on its port, can use it later): a shell whose token's daemon is gone gets a new token from the
# current one, quietly; builtins only until then.
__keyfob_prompt() {
  __keyfob_expiry
  case ",${KEYFOB_EXPORTED-}," in *,AWS_CONTAINER_AUTHORIZATION_TOKEN,*) ;; *) return 0 ;; esac
  if [ -z "${KEYFOB_DAEMON_PID-}" ] || __keyfob_daemon_alive; then return 0; fi
  if ! assume --auto-refresh "${KEYFOB_PROFILE-}" 2>/dev/null; then
    KEYFOB_DAEMON_PID= # once: the line below says what to run
    printf 'keyfob: the auto-refresh credentials for %s ended with their daemon; run: assume --auto-refresh %s\n' "${KEYFOB_PROFILE-}" "${KEYFOB_PROFILE-}" >&2
  fi
  return 0
}
if [ -n "${ZSH_VERSION-}" ]; then
  zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null
  autoload -Uz add-zsh-hook && add-zsh-hook precmd __keyfob_prompt
else
  case ";${PROMPT_COMMAND-};" in
    *";__keyfob_prompt;"*) ;;
    *) PROMPT_COMMAND="__keyfob_prompt${PROMPT_COMMAND:+;$PROMPT_COMMAND}" ;;
  esac
fi
