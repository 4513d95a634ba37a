# Profile names for `assume <Tab>`; compadd quotes them.
_keyfob_assume() {
  local -a profiles
  profiles=("${(@f)$(__KEYFOB_BIN__ assume --list-profiles 2>/dev/null)}")
  compadd -a profiles
}
# compdef exists only once compinit has run; .zshrc files run it before this line, after it
# (oh-my-zsh), or never. Register now if it exists, and again at the first prompt unless the
# registration is still there (a later compinit that loads its dump file drops it); where nothing ran
# compinit by then, run it (-i: never load insecure files). `keyfob completion zsh` does the same.
_keyfob_assume_register() {
  add-zsh-hook -d precmd _keyfob_assume_register
  [[ -n ${_comps[assume]-} ]] && return
  (( $+functions[compdef] )) || { autoload -Uz compinit && compinit -i; }
  compdef _keyfob_assume assume
}
if (( $+functions[compdef] )); then compdef _keyfob_assume assume; fi
autoload -Uz add-zsh-hook && add-zsh-hook precmd _keyfob_assume_register
