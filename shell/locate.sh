# keyfob: where the daemon's socket and the caller's config and credentials files are, found as keyfob itself finds
# them (src/core/paths.ts), for the POSIX shells' fast paths: the bash/zsh shim and credential-process.sh.
# Kept free of forks: it runs at every `assume` and every credential_process call.

# Is this macOS? A function, so a test can stand in for darwin on Linux by redefining it.
__keyfob_darwin() {
  [ -d /System/Library/CoreServices ]
}

# Found at each call, so a KEYFOB_HOME or AWS_CONFIG_FILE set later (by direnv, say) counts.
# Sets __keyfob_sock, __keyfob_cfg and __keyfob_creds; no subshell, so no fork (but for a path
# too long for a socket, below). The rule (src/core/paths.ts socketLocation): KEYFOB_SOCKET, else
# KEYFOB_HOME/run, else $XDG_RUNTIME_DIR/keyfob when it is yours (never on macOS), else the
# state dir's run/; and when that is too long for a socket, /tmp/keyfob-UID-CKSUM/.
__keyfob_locate() {
  case "${KEYFOB_SOCKET-}" in
    "") case "${KEYFOB_HOME-}" in
          "") __keyfob_sock=
              if __keyfob_darwin; then # macOS: XDG_RUNTIME_DIR is set by some dotfiles only
                __keyfob_sock="$HOME/Library/Application Support/keyfob/run/daemon.sock"
              else
                case "${XDG_RUNTIME_DIR-}" in
                  /*) { [ -O "$XDG_RUNTIME_DIR" ]; } 2>/dev/null && __keyfob_sock="$XDG_RUNTIME_DIR/keyfob/daemon.sock" ;;
                esac
                [ -n "$__keyfob_sock" ] || __keyfob_sock="${XDG_STATE_HOME:-$HOME/.local/state}/keyfob/run/daemon.sock"
              fi ;;
          "~") __keyfob_sock="$HOME/run/daemon.sock" ;;
          "~/"*) __keyfob_sock="$HOME/${KEYFOB_HOME#??}/run/daemon.sock" ;;
          /*) __keyfob_sock="$KEYFOB_HOME/run/daemon.sock" ;;
          *) __keyfob_sock="$PWD/$KEYFOB_HOME/run/daemon.sock" ;;
        esac
        __keyfob_short ;;
    "~/"*) __keyfob_sock="$HOME/${KEYFOB_SOCKET#??}" ;;
    /*) __keyfob_sock="$KEYFOB_SOCKET" ;;
    *) __keyfob_sock="$PWD/$KEYFOB_SOCKET" ;;
  esac
  case "${AWS_CONFIG_FILE-}" in
    "") __keyfob_cfg="$HOME/.aws/config" ;;
    "~") __keyfob_cfg="$HOME" ;;
    "~/"*) __keyfob_cfg="$HOME/${AWS_CONFIG_FILE#??}" ;;
    /*) __keyfob_cfg="$AWS_CONFIG_FILE" ;;
    *) __keyfob_cfg="$PWD/$AWS_CONFIG_FILE" ;;
  esac
  case "${AWS_SHARED_CREDENTIALS_FILE-}" in
    "") __keyfob_creds="$HOME/.aws/credentials" ;;
    "~") __keyfob_creds="$HOME" ;;
    "~/"*) __keyfob_creds="$HOME/${AWS_SHARED_CREDENTIALS_FILE#??}" ;;
    /*) __keyfob_creds="$AWS_SHARED_CREDENTIALS_FILE" ;;
    *) __keyfob_creds="$PWD/$AWS_SHARED_CREDENTIALS_FILE" ;;
  esac
  # A remote machine on a forwarded socket: its files are not where the daemon runs.
  [ "${KEYFOB_NO_START-}" != 1 ] || { __keyfob_cfg= && __keyfob_creds=; }
}

# A natural socket path too long for a Unix socket (103 bytes on macOS, 107 elsewhere, for the
# longer of the two: daemon.restricted.sock) becomes /tmp/keyfob-UID-CKSUM/daemon.sock, as keyfob
# makes it. The length is in bytes: a path of letters, digits, spaces and /._- is counted without a fork, any other
# (where ${#…} may count characters) with wc. Only the fallback forks (id and cksum), and when
# either fails __keyfob_sock is empty, so the caller asks Node.
__keyfob_short() {
  case $__keyfob_sock in
    *[!abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._\ -]*)
      __keyfob_len=$(printf '%s' "$__keyfob_sock" | wc -c) || __keyfob_len=9999
      __keyfob_len=$((__keyfob_len)) ;;
    *) __keyfob_len=${#__keyfob_sock} ;;
  esac
  __keyfob_max=107
  ! __keyfob_darwin || __keyfob_max=103
  [ $((__keyfob_len + 11)) -gt "$__keyfob_max" ] || return 0
  __keyfob_uid=$(id -u 2>/dev/null) && __keyfob_sum=$(printf '%s' "$__keyfob_sock" | cksum) &&
    __keyfob_sock="/tmp/keyfob-$__keyfob_uid-${__keyfob_sum%% *}/daemon.sock" || __keyfob_sock=
}
