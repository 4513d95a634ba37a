#!/bin/sh
# keyfob: may this shell trust the daemon socket $1? Exit 0 if so, 1 if not (silently: the caller
# then asks keyfob itself, which refuses with a one-line reason). The rule is OpenSSH's StrictModes,
# the same as src/trustedPath.ts: the socket and its directory are yours and not symlinks, the
# directory is writable by nobody else, and every directory above is owned by root or you and
# writable by nobody else (a sticky one of root's, like /tmp, excepted). Then no other local user
# can have made the socket or swap it later. Costs one `ls`; POSIX sh, so bash, zsh, fish and a
# credential_process line can all run it.
sock=$1
case $sock in /*) ;; *) exit 1 ;; esac
dir=${sock%/*}
[ -n "$dir" ] || dir=/
[ -S "$sock" ] && [ ! -L "$sock" ] && [ -O "$sock" ] || exit 1
[ -d "$dir" ] && [ ! -L "$dir" ] && [ -O "$dir" ] || exit 1

# The directories above, as written and, if a symlink is among them, as they really are.
set -- "$sock" "$dir"
p=${dir%/*}
while [ -n "$p" ]; do
  set -- "$@" "$p"
  p=${p%/*}
done
set -- "$@" /
cd -P -- "$dir" 2>/dev/null || exit 1
if [ "$PWD" != "$dir" ]; then
  p=${PWD%/*}
  while [ -n "$p" ]; do
    set -- "$@" "$p"
    p=${p%/*}
  done
fi

listing=$(LC_ALL=C ls -ldn -- "$@" 2>/dev/null) || exit 1
me=
while read -r mode links uid rest; do
  case $mode in s*) me=$uid ;; esac
done <<EOF
$listing
EOF
[ -n "$me" ] || exit 1

# mode is like drwxr-xr-t: group write is its 6th character, others' write its 9th, sticky the 10th.
while read -r mode links uid gid size month day time name; do
  case $mode in
    s*) ;;
    l*) [ "$uid" = 0 ] || [ "$uid" = "$me" ] || exit 1 ;;
    d*)
      [ "$uid" = 0 ] || [ "$uid" = "$me" ] || exit 1
      case $mode in
        ?????w* | ????????w*)
          [ "$name" != "$dir" ] || exit 1
          case $mode in ?????????[tT]*) [ "$uid" = 0 ] || exit 1 ;; *) exit 1 ;; esac
          ;;
      esac
      ;;
    *) exit 1 ;;
  esac
done <<EOF
$listing
EOF
exit 0
