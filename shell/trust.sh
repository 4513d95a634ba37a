# keyfob: may this shell trust the daemon socket $1? `__keyfob_trusted_socket SOCK` returns 0 if
# so, 1 if not (silently: the caller then asks keyfob itself, which refuses with a one-line reason).
# The rule is OpenSSH's StrictModes, the same as src/core/trustedPath.ts: the socket and its directory
# are yours and not symlinks, the directory is writable by nobody else, and every directory above
# is owned by root or you and writable by nobody else (a sticky one of root's, like /tmp, excepted).
# Then no other local user can have made the socket or swap it later.
# Sourced by the installed `keyfob` command (bin/keyfob) and by trusted-socket.sh, which the shims
# run. POSIX sh; it costs one fork, the `ls`, and leaves the caller's directory as it was. It sets
# variables of its own (__keyfob_*, and read's fields): for scripts, not interactive shells.
__keyfob_trusted_socket() {
  case $1 in /*) ;; *) return 1 ;; esac
  __keyfob_dir=${1%/*}
  [ -n "$__keyfob_dir" ] || __keyfob_dir=/
  # A test(1) without -O or -S (posh) fails here, quietly: the caller then asks Node.
  { [ -S "$1" ] && [ ! -L "$1" ] && [ -O "$1" ]; } 2>/dev/null || return 1
  { [ -d "$__keyfob_dir" ] && [ ! -L "$__keyfob_dir" ] && [ -O "$__keyfob_dir" ]; } 2>/dev/null || return 1

  # One `ls` of the socket, its directory and the directories above, as written and, if a symlink
  # is among them, as they really are: in the command substitution's subshell, where the cd stays.
  __keyfob_listing=$(
    set -- "$1" "$__keyfob_dir"
    p=${__keyfob_dir%/*}
    while [ -n "$p" ]; do
      set -- "$@" "$p"
      p=${p%/*}
    done
    set -- "$@" /
    cd -P -- "$__keyfob_dir" 2>/dev/null || exit 1
    if [ "$PWD" != "$__keyfob_dir" ]; then
      p=${PWD%/*}
      while [ -n "$p" ]; do
        set -- "$@" "$p"
        p=${p%/*}
      done
    fi
    LC_ALL=C
    export LC_ALL
    exec ls -ldn -- "$@" 2>/dev/null
  ) || return 1

  __keyfob_me=
  while read -r mode links uid rest; do
    case $mode in s*) __keyfob_me=$uid ;; esac
  done <<__KEYFOB_LISTING__
$__keyfob_listing
__KEYFOB_LISTING__
  [ -n "$__keyfob_me" ] || return 1

  # mode is like drwxr-xr-t: group write is its 6th character, others' write its 9th, sticky the 10th.
  while read -r mode links uid gid size month day time name; do
    case $mode in
      s*) ;;
      l*) [ "$uid" = 0 ] || [ "$uid" = "$__keyfob_me" ] || return 1 ;;
      d*)
        [ "$uid" = 0 ] || [ "$uid" = "$__keyfob_me" ] || return 1
        case $mode in
          ?????w* | ????????w*)
            [ "$name" != "$__keyfob_dir" ] || return 1
            case $mode in ?????????[tT]*) [ "$uid" = 0 ] || return 1 ;; *) return 1 ;; esac
            ;;
        esac
        ;;
      *) return 1 ;;
    esac
  done <<__KEYFOB_LISTING__
$__keyfob_listing
__KEYFOB_LISTING__
  return 0
}
