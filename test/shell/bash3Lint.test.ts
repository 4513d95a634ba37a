// macOS ships bash 3.2 (the last GPLv2 bash) as /bin/bash, and many Mac users keep it as their
// login shell: the bash shim (`keyfob shell-init bash`) and the sh front that bash 3.2 runs as
// /bin/sh must use nothing from bash 4 or later. Running them under BASH_COMPAT=32 proves little
// (a bash 5 still parses `declare -A`, `${x,,}` and `mapfile`), so this reads them for the
// constructs bash 3.2 does not have. Each rule is proved by a line that breaks it, and the bash-3
// way of saying the same thing passes.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEYFOB_BIN, KEYFOB_COMMAND } from '../helpers/keyfob.js';

const ROOT = dirname(dirname(KEYFOB_BIN));

/** What bash 4+ added, as patterns over one line of code, with the bash version that added it. */
/** A parameter's name: a variable, a positional parameter, @ or *. */
const NAME = String.raw`(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*])`;

const BASH4_RULES: Array<{ rule: string; pattern: RegExp }> = [
  { rule: 'associative array (declare/local/typeset -A, bash 4.0)', pattern: /\b(declare|local|typeset|readonly)\s+(-[a-zA-Z]*\s+)*-[a-zA-Z]*A/ },
  { rule: 'nameref (declare -n, bash 4.3)', pattern: /\b(declare|local|typeset)\s+(-[a-zA-Z]*\s+)*-[a-zA-Z]*n\b/ },
  { rule: 'declare -g / -l / -u (bash 4.x)', pattern: /\b(declare|local|typeset)\s+(-[a-zA-Z]*\s+)*-[a-zA-Z]*[glu]\b/ },
  { rule: 'case modification ${x,,} ${x^^} (bash 4.0)', pattern: new RegExp(String.raw`\$\{[#!]?${NAME}(\[[^\]]*\])?(\^\^?|,,?)`) },
  { rule: 'parameter transformation ${x@Q} (bash 4.4)', pattern: new RegExp(String.raw`\$\{${NAME}(\[[^\]]*\])?@[QEPAaKkUuL]\}`) },
  { rule: 'mapfile / readarray (bash 4.0)', pattern: /(^|[\s;&|(])(mapfile|readarray)\b/ },
  { rule: 'coproc (bash 4.0)', pattern: /(^|[\s;&|(])coproc\b/ },
  { rule: '|& (bash 4.0)', pattern: /\|&/ },
  { rule: '&>> (bash 4.0)', pattern: /&>>/ },
  { rule: 'case fall-through ;& or ;;& (bash 4.0)', pattern: /;;&|(^|[^;]);&/ },
  { rule: 'negative substring length ${x:0:-1} (bash 4.2)', pattern: new RegExp(String.raw`\$\{${NAME}:[^}:]*:\s*-`) },
  { rule: 'negative array index ${a[-1]} (bash 4.3)', pattern: /\$\{[A-Za-z_][A-Za-z0-9_]*\[\s*-[0-9]/ },
  { rule: '[[ -v / test -v (bash 4.2)', pattern: /(\[\[|\[|\btest)\s+-v\s/ },
  { rule: 'printf -v into an array element (bash 4.1)', pattern: /\bprintf\s+-v\s+[A-Za-z_][A-Za-z0-9_]*\[/ },
  { rule: "printf '%(…)T' (bash 4.2)", pattern: /%\([^)]*\)T/ },
  { rule: 'wait -n (bash 4.3)', pattern: /\bwait\s+-n\b/ },
  { rule: 'read -N / read -i (bash 4.x)', pattern: /\bread\s+(-[a-zA-Z]*\s+)*-[a-zA-Z]*[Ni]\b/ },
  { rule: 'brace range with a step or zero padding {1..9..2} {01..10} (bash 4.0)', pattern: /\{-?\d+\.\.-?\d+\.\.-?\d+\}|\{-?0\d+\.\.-?\d+\}/ },
  { rule: 'shopt globstar / lastpipe / autocd / checkjobs / dirspell (bash 4.x)', pattern: /\bshopt\s+-[su]\s+.*\b(globstar|lastpipe|autocd|checkjobs|dirspell|direxpand|inherit_errexit|assoc_expand_once|localvar_inherit)\b/ },
  // Guarded reads (${EPOCHSECONDS-}, ${EPOCHSECONDS:-…}) are fine: bash 3.2 leaves them empty.
  { rule: 'unguarded $EPOCHSECONDS / $EPOCHREALTIME / $BASHPID / $BASH_ARGV0 / $SRANDOM (bash 4-5)', pattern: /\$(\{)?(EPOCHSECONDS|EPOCHREALTIME|BASHPID|BASH_ARGV0|SRANDOM)(\}|\b(?![-:]))/ },
];

/** The bash 4+ constructs in `text`: one entry per line and rule. Whole-line comments are skipped. */
function bash4Constructs(text: string): Array<{ line: number; rule: string; code: string }> {
  const found: Array<{ line: number; rule: string; code: string }> = [];
  text.split('\n').forEach((code, i) => {
    if (/^\s*#/.test(code)) return;
    for (const { rule, pattern } of BASH4_RULES) if (pattern.test(code)) found.push({ line: i + 1, rule, code: code.trim() });
  });
  return found;
}

describe('bash 3.2: the bash shim and the sh front use nothing from bash 4', () => {
  it('the generated bash shim, its source files and the sh front pass', () => {
    const shim = execFileSync(process.execPath, [KEYFOB_BIN, 'shell-init', 'bash'], { encoding: 'utf8' });
    expect(shim).toContain('assume()'); // it is the shim, not an error
    expect(bash4Constructs(shim)).toEqual([]);
    for (const file of ['shell/locate.sh', 'shell/fastpath.sh', 'shell/assume.sh', 'shell/assume-completion.bash', 'shell/trust.sh', 'shell/trusted-socket.sh', 'shell/credential-process.sh']) {
      expect(bash4Constructs(readFileSync(join(ROOT, file), 'utf8')), file).toEqual([]);
    }
    expect(bash4Constructs(readFileSync(KEYFOB_COMMAND, 'utf8')), 'bin/keyfob').toEqual([]);
  });

  it('each rule catches its construct, and the bash 3.2 way of saying it passes', () => {
    const violations: Array<[string, string]> = [
      ['declare -A seen=()', 'associative array'],
      ['  local -A map', 'associative array'],
      ['typeset -gA cache', 'associative array'],
      ['local -n ref=$1', 'nameref'],
      ['declare -g __keyfob_x=1', 'declare -g'],
      ['name=${1,,}', 'case modification'],
      ['name=${name^^}', 'case modification'],
      ['all=${@,,}', 'case modification'],
      ['q=${1@Q}', 'parameter transformation'],
      ['rest=${1:1:-1}', 'negative substring length'],
      ['first=${name^}', 'case modification'],
      ['echo ${arr[0],,}', 'case modification'],
      ['q=${name@Q}', 'parameter transformation'],
      ['mapfile -t lines < file', 'mapfile'],
      ['  readarray lines', 'mapfile'],
      ['coproc keyfob assume x', 'coproc'],
      ['keyfob assume x |& cat', '|&'],
      ['keyfob assume x &>> log', '&>>'],
      ['  a) echo a ;&', 'case fall-through'],
      ['  a) echo a ;;&', 'case fall-through'],
      ['last=${name:0:-1}', 'negative substring length'],
      ['last=${lines[-1]}', 'negative array index'],
      ['if [[ -v KEYFOB_HOME ]]; then :; fi', '[[ -v'],
      ['[ -v AWS_PROFILE ] || return', '[[ -v'],
      ['printf -v out[0] %s x', 'printf -v into an array'],
      ["printf '%(%s)T' -1", "printf '%(…)T'"],
      ['wait -n', 'wait -n'],
      ['read -r -N 1 key', 'read -N'],
      ['for i in {1..9..2}; do :; done', 'brace range'],
      ['for i in {01..10}; do :; done', 'brace range'],
      ['shopt -s globstar', 'shopt'],
      ['now=$EPOCHSECONDS', 'unguarded'],
      ['now=${EPOCHREALTIME}', 'unguarded'],
      ['echo $BASHPID', 'unguarded'],
    ];
    for (const [code, rule] of violations) {
      const found = bash4Constructs(code);
      expect(found.map((f) => f.rule).join(' | '), code).toContain(rule);
    }
    // And planted in the real shim, one is enough to fail it.
    const shim = execFileSync(process.execPath, [KEYFOB_BIN, 'shell-init', 'bash'], { encoding: 'utf8' });
    const planted = shim.replace('assume() {\n', 'assume() {\n  declare -A __keyfob_seen\n');
    expect(planted).not.toBe(shim);
    expect(bash4Constructs(planted)).toEqual([expect.objectContaining({ code: 'declare -A __keyfob_seen', rule: expect.stringContaining('associative array') })]);

    const bash3 = [
      'local cur="${COMP_WORDS[COMP_CWORD]}" name',
      'COMPREPLY+=("$(printf %q "$name")")',
      'name=$(printf %s "$1" | tr "[:upper:]" "[:lower:]")',
      '__keyfob_m=$((10#${__keyfob_when:5:2}))',
      'last=${name: -1}',
      '__keyfob_name=${__keyfob_name//[[:cntrl:]]/?}',
      '__keyfob_now=${EPOCHSECONDS-}',
      'x=${EPOCHSECONDS:-$(date +%s)}',
      'case $x in a) echo a ;; b) echo b ;; esac',
      'keyfob assume x 2>&1 | cat',
      'keyfob assume x >> log 2>&1',
      'while IFS= read -r name; do :; done < <(keyfob assume --list-profiles)',
      '[[ "$name" == "$cur"* ]] && echo yes',
      'for i in 1 2 3; do :; done',
      "printf -v __keyfob_x '%s' y",
      'declare -r KEYFOB_X=1',
      '# declare -A in a comment is not code',
    ];
    for (const code of bash3) expect(bash4Constructs(code), code).toEqual([]);
  });

  it('bash in 3.2 compatibility mode sources the shim and defines assume', () => {
    const shim = execFileSync(process.execPath, [KEYFOB_BIN, 'shell-init', 'bash'], { encoding: 'utf8' });
    const out = execFileSync('bash', ['--norc', '--noprofile', '-c', 'eval "$1" && type assume >/dev/null && echo ok', 'bash', shim], {
      env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', BASH_COMPAT: '32' },
      encoding: 'utf8',
    });
    expect(out).toBe('ok\n');
  });
});
