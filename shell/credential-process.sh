#!/bin/sh
# keyfob's credential_process fast path (populate --fast-path): `sh …/credential-process.sh PROFILE`.
# A warm answer costs an sh, an ls and a curl instead of a Node start. It asks the daemon's socket
# only once trusted-socket.sh has judged it yours; anything else (no curl, no daemon yet, an
# untrusted socket, an error answer) goes to the Node client, which starts a daemon, refuses with
# the reason, or prints the daemon's one-line error, exactly as `keyfob credential-process` does.
here=${0%/*}
. "$here/locate.sh"
__keyfob_locate
if command -v curl >/dev/null 2>&1 && [ -S "$__keyfob_sock" ] && sh "$here/trusted-socket.sh" "$__keyfob_sock"; then
  curl -sf --unix-socket "$__keyfob_sock" -G --data-urlencode "profile=$1" --data-urlencode "config=$__keyfob_cfg" \
    http://keyfob/v1/credentials 2>/dev/null && exit 0
fi
exec "$here/../bin/keyfob.cjs" credential-process --profile "$1"
