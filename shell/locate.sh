# keyfob: where the daemon's socket and the caller's config and credentials files are, found as keyfob itself finds
# them (src/core/paths.ts), for the POSIX shells' fast paths: the bash/zsh shim and credential-process.sh.
# Kept free of forks: it runs at every `assume` and every credential_process call.

# Found at each call, so a KEYFOB_HOME or AWS_CONFIG_FILE set later (by direnv, say) counts.
# Sets __keyfob_sock, __keyfob_cfg and __keyfob_creds; no subshell, so no fork.
__keyfob_locate() {
  case "${KEYFOB_SOCKET-}" in
    "") case "${KEYFOB_HOME-}" in
          "") __keyfob_sock=
              case "${XDG_RUNTIME_DIR-}" in
                /*) [ -O "$XDG_RUNTIME_DIR" ] && __keyfob_sock="$XDG_RUNTIME_DIR/keyfob/daemon.sock" ;;
              esac
              if [ -n "$__keyfob_sock" ]; then
                :
              elif [ -d /System/Library/CoreServices ]; then # macOS
                __keyfob_sock="$HOME/Library/Application Support/keyfob/run/daemon.sock"
              else
                __keyfob_sock="${XDG_STATE_HOME:-$HOME/.local/state}/keyfob/run/daemon.sock"
              fi ;;
          "~") __keyfob_sock="$HOME/run/daemon.sock" ;;
          "~/"*) __keyfob_sock="$HOME/${KEYFOB_HOME#??}/run/daemon.sock" ;;
          /*) __keyfob_sock="$KEYFOB_HOME/run/daemon.sock" ;;
          *) __keyfob_sock="$PWD/$KEYFOB_HOME/run/daemon.sock" ;;
        esac ;;
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
