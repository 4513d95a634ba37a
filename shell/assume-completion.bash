# Profile names for `assume <Tab>`. No compgen -W: it would expand $(…) inside names.
_keyfob_assume_complete() {
  local cur="${COMP_WORDS[COMP_CWORD]}" name
  COMPREPLY=()
  while IFS= read -r name; do
    [[ "$name" == "$cur"* ]] && COMPREPLY+=("$(printf '%q' "$name")")
  done < <(__KEYFOB_BIN__ assume --list-profiles 2>/dev/null)
}
complete -F _keyfob_assume_complete assume
