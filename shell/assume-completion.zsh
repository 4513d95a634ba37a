# Profile names for `assume <Tab>`; compadd quotes them.
_keyfob_assume() {
  local -a profiles
  profiles=("${(@f)$(__KEYFOB_BIN__ assume --list-profiles 2>/dev/null)}")
  compadd -a profiles
}
if (( $+functions[compdef] )); then compdef _keyfob_assume assume; fi
