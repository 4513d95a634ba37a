# keyfob: the one fast path of the POSIX shells. The installed `keyfob` command (bin/keyfob) sources
# it for credential_process, and the bash/zsh shim (shell/assume.sh) holds it for `assume`; fish has
# the same call in one function of assume.fish. Written in what sh, bash and zsh read alike (no
# `local`: the shim's `assume` declares these __keyfob_ names local). The socket must already
# have passed the trust check (trust.sh).
#
# __keyfob_ask SOCKET ROUTE [NAME=VALUE]...: asks the daemon once, with curl, and sets
# __keyfob_answer and __keyfob_code (the HTTP status). It returns:
#   0  the answer (200): __keyfob_answer is the body;
#   1  a definitive refusal: __keyfob_answer is the one line to print ("keyfob: …"), as it is;
#   2  ask Node: it could not ask (a connection error: nobody listening, the daemon died
#      mid-request), or the daemon needs what only the Node client gives (428: the caller's
#      environment keys, another tool's credential_process output, an MFA code), or an answer
#      only Node reads (an older daemon's JSON error).
# A socket that accepted and stayed silent past the bound is definitive too: the daemon already
# spent the wait, and Node would only spend it again. Branching is on the status, never on text.
#
# The bounds (docs/security.md, docs/user-guide.md): 2 s to connect, 45 s for the whole answer,
# the same as the Node client's (src/daemon/client/connection.ts). __keyfob_max_time may lower
# the second for one call (the shims' prompt hook asks for 1 s). -q: no ~/.curlrc (an -i or -o
# there would change the output); --noproxy: an http_proxy must not take a Unix socket request.
__keyfob_ask() {
  __keyfob_at=$1
  __keyfob_route=$2
  shift 2
  __keyfob_left=$#
  while [ "$__keyfob_left" -gt 0 ]; do
    set -- "$@" --data-urlencode "$1"
    shift
    __keyfob_left=$((__keyfob_left - 1))
  done
  __keyfob_code=
  # The status and the content type come last, on a line of their own.
  __keyfob_answer=$(curl -q -s --noproxy '*' --connect-timeout 2 --max-time "${__keyfob_max_time:-45}" -H 'Accept: text/plain' \
    --unix-socket "$__keyfob_at" -G "$@" -w '\n%{http_code} %{content_type}' "http://keyfob$__keyfob_route" 2>/dev/null)
  case $? in
    0) ;;
    28)
      __keyfob_answer="keyfob: the keyfob daemon did not answer (no answer within ${__keyfob_max_time:-45}s on $__keyfob_at); check: keyfob daemon status, and KEYFOB_HOME/daemon.log"
      return 1
      ;;
    *) return 2 ;;
  esac
  __keyfob_tail=${__keyfob_answer##*'
'}
  __keyfob_answer=${__keyfob_answer%'
'*}
  __keyfob_code=${__keyfob_tail%% *}
  case $__keyfob_code in
    200) return 0 ;;
    428) return 2 ;;
  esac
  # The daemon renders its refusal as one line for clients that accept text/plain.
  case ${__keyfob_tail#* } in text/plain*) ;; *) return 2 ;; esac
  __keyfob_answer=${__keyfob_answer%'
'}
  return 1
}
