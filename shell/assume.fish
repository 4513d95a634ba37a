# keyfob for fish. In ~/.config/fish/config.fish:  keyfob shell-init fish | source
# `assume` runs keyfob's backend and sources only what it writes to fd 3 (the exports). The
# backend's stdout (a command run with --exec, a console URL, help) goes to the terminal and is
# never evaluated. The backend writes the exports in one piece as its last step, and nothing at
# all when it fails, so a failed assume changes no variable. (A pipe, not a command
# substitution: fish does not apply the function's redirections, such as 2>, inside one.)
# Tells `keyfob doctor` (a child of this shell) that the shim is loaded.
set -gx KEYFOB_SHELL_SHIM fish

# The daemon's socket and the config file, found as keyfob itself finds them (src/core/paths.ts; the
# POSIX shells' copy is locate.sh), at each call: a KEYFOB_HOME or AWS_CONFIG_FILE set later counts.
function __keyfob_path --description 'a path from the environment, expanded as keyfob does'
    switch $argv[1]
        case '~'
            echo $HOME
        case '~/*'
            echo $HOME/(string sub -s 3 -- $argv[1])
        case '/*'
            echo $argv[1]
        case '*'
            echo $PWD/$argv[1]
    end
end

# Is this macOS? A function, so a test can stand in for darwin on Linux by redefining it.
function __keyfob_darwin
    test -d /System/Library/CoreServices
end

# The socket, by the one rule (src/core/paths.ts socketLocation; locate.sh): KEYFOB_SOCKET, else
# KEYFOB_HOME/run, else $XDG_RUNTIME_DIR/keyfob when it is yours (never on macOS), else the state
# dir's run/; and when that is too long for a socket (103 bytes on macOS, 107 elsewhere, for
# daemon.restricted.sock), /tmp/keyfob-UID-CKSUM/. Prints nothing when that cannot be computed.
function __keyfob_socket
    if test -n "$KEYFOB_SOCKET"
        __keyfob_path $KEYFOB_SOCKET
        return
    end
    set -l sock
    if test -n "$KEYFOB_HOME"
        set sock (__keyfob_path $KEYFOB_HOME)/run/daemon.sock
    else if __keyfob_darwin # macOS: XDG_RUNTIME_DIR is set by some dotfiles only
        set sock "$HOME/Library/Application Support/keyfob/run/daemon.sock"
    else if string match -q -- '/*' "$XDG_RUNTIME_DIR"; and test -O "$XDG_RUNTIME_DIR"
        set sock $XDG_RUNTIME_DIR/keyfob/daemon.sock
    else if test -n "$XDG_STATE_HOME"
        set sock $XDG_STATE_HOME/keyfob/run/daemon.sock
    else
        set sock $HOME/.local/state/keyfob/run/daemon.sock
    end
    set -l max 107
    __keyfob_darwin; and set max 103
    # Its length in bytes: counted by fish for printable ASCII, by wc for anything else.
    set -l len (string length -- $sock)
    string match -qr '^[ -~]*$' -- $sock; or set len (printf '%s' $sock | wc -c | string trim)
    if test $len -le (math $max - 11)
        printf '%s\n' $sock
        return
    end
    set -l uid (id -u 2>/dev/null); or return
    set -l sum (printf '%s' $sock | cksum); or return
    printf '%s\n' /tmp/keyfob-$uid-(string split -f1 ' ' -- $sum)/daemon.sock
end

# The fast path: fish's copy of fastpath.sh (the installed keyfob command and the bash/zsh shim
# share that one), with the same curl flags, bounds and statuses; see there. `__keyfob_ask SOCKET
# ROUTE [NAME=VALUE]...` sets __keyfob_answer (a list of lines) and __keyfob_code, and returns 0
# for the answer, 1 for the one line to print, 2 to ask the backend (could not ask, or 428).
function __keyfob_ask
    set -l max_time 45
    set -q __keyfob_max_time[1]; and set max_time $__keyfob_max_time
    set -l params
    for param in $argv[3..-1]
        set -a params --data-urlencode $param
    end
    set -g __keyfob_code
    # The status and the content type come last, on a line of their own.
    set -g __keyfob_answer (curl -q -s --noproxy '*' --connect-timeout 2 --max-time $max_time -H 'Accept: text/plain' \
        --unix-socket $argv[1] -G $params -w '\n%{http_code} %{content_type}' "http://keyfob$argv[2]" 2>/dev/null)
    switch $status
        case 0
        case 28
            set -g __keyfob_answer "keyfob: the keyfob daemon did not answer (no answer within "$max_time"s on $argv[1]); check: keyfob daemon status, and KEYFOB_HOME/daemon.log"
            return 1
        case '*'
            return 2
    end
    set -l tail $__keyfob_answer[-1]
    set -e __keyfob_answer[-1]
    set -g __keyfob_code (string split -m1 ' ' -- $tail)[1]
    switch $__keyfob_code
        case 200
            return 0
        case 428
            return 2
    end
    string match -q -- '* text/plain*' $tail; or return 2
    # The one line, less the newline that ends it.
    test (count $__keyfob_answer) -gt 0; and test -z "$__keyfob_answer[-1]"; and set -e __keyfob_answer[-1]
    return 1
end

function assume --description 'AWS credentials for a profile, from keyfob'
    set -l __keyfob_status 0
    # Fast path for the everyday `assume PROFILE` (see assume.sh: the same rules): curl to the
    # daemon's socket once it passes keyfob's trust check (trusted-socket.sh). The backend below
    # runs when the fast path could not ask, on 428, for a session that ended at a terminal (401:
    # the backend signs in), with KEYFOB_FAST_PATH=off, and for auto-refresh.
    if test (count $argv) -eq 1; and not string match -q -- '-*' $argv[1]; and test "$KEYFOB_FAST_PATH" != off; and test "$KEYFOB_AUTO_REFRESH" != on
        and test -z "$AWS_CONTAINER_AUTHORIZATION_TOKEN"; and command -q curl
        set -l __keyfob_sock (__keyfob_socket)
        set -l __keyfob_cfg $HOME/.aws/config
        test -n "$AWS_CONFIG_FILE"; and set __keyfob_cfg (__keyfob_path $AWS_CONFIG_FILE)
        set -l __keyfob_creds $HOME/.aws/credentials
        test -n "$AWS_SHARED_CREDENTIALS_FILE"; and set __keyfob_creds (__keyfob_path $AWS_SHARED_CREDENTIALS_FILE)
        # A remote machine on a forwarded socket: its files are not where the daemon runs.
        test "$KEYFOB_NO_START" = 1; and set __keyfob_cfg ''; and set __keyfob_creds ''
        if test -S "$__keyfob_sock"; and sh __KEYFOB_TRUST__ "$__keyfob_sock"
            __keyfob_ask $__keyfob_sock /v1/shell/assume "profile=$argv[1]" shell=fish "exported=$KEYFOB_EXPORTED" \
                "config=$__keyfob_cfg" "credentials=$__keyfob_creds"
            switch $status
                case 0
                    string join \n -- $__keyfob_answer | source
                    set -e __keyfob_answer
                    return 0
                case 1
                    if test "$__keyfob_code" != 401; or not begin; test -t 0; and test -t 2; end
                        printf '%s\n' $__keyfob_answer >&2
                        set -e __keyfob_answer
                        return 1
                    end
            end
            set -e __keyfob_answer
        end
    end
    begin
        __KEYFOB_BIN__ assume --shell fish --eval-fd 3 $argv 3>&1 1>&4 4>&- | source
        set __keyfob_status $pipestatus[1]
    end 4>&1
    return $__keyfob_status
end

# Is the daemon that issued this shell's auto-refresh token still there? (See assume.sh: the
# process at the pid must be yours and have the start time given as KEYFOB_DAEMON_ID; without
# /proc, the daemon's socket must answer that id.)
function __keyfob_daemon_alive
    string match -qr '^[0-9]+$' -- "$KEYFOB_DAEMON_PID"; or return 1
    test -n "$KEYFOB_DAEMON_ID"; or return 1
    if test -d /proc/self
        test -O /proc/$KEYFOB_DAEMON_PID; and test -r /proc/$KEYFOB_DAEMON_PID/stat; or return 1
        read -l stat </proc/$KEYFOB_DAEMON_PID/stat; or return 1
        # The fields after "PID (COMM) ": field 22, the start time, is the 20th.
        set -l fields (string split ' ' -- (string replace -r '^.*\) ' '' -- $stat))
        test "$fields[20]" = "$KEYFOB_DAEMON_ID"
    else
        command kill -0 $KEYFOB_DAEMON_PID 2>/dev/null; or return 1
        set -l sock (__keyfob_socket)
        test -n "$sock"; or return 1
        set -g __keyfob_max_time 1 # a global: a called function sees no local of its caller
        __keyfob_ask $sock /v1/ping
        set -l asked $status
        set -e __keyfob_max_time
        test $asked -eq 0; and string match -q -- '*"id":"'$KEYFOB_DAEMON_ID'"*' "$__keyfob_answer"
    end
end

# The static credentials assume exported have expired: say so once, and unset the dead keys
# (see assume.sh for why). AWS_PROFILE, KEYFOB_PROFILE and the region stay.
function __keyfob_expiry
    contains AWS_CREDENTIAL_EXPIRATION (string split , -- "$KEYFOB_EXPORTED"); or return 0
    set -l t (string match -r '^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?Z$' -- "$AWS_CREDENTIAL_EXPIRATION"); or return 0
    set -l m (math $t[3])
    set -l y (math $t[2] - (test $m -le 2; and echo 1; or echo 0))
    # Days since 1970 of a civil date (H. Hinnant's days_from_civil; years from March).
    set -l days (math "floor($y / 400) * 146097 + ($y % 400) * 365 + floor(($y % 400) / 4) - floor(($y % 400) / 100) + floor((153 * (($m + 9) % 12) + 2) / 5) + $t[4] - 1 - 719468")
    set -l at (math "$days * 86400 + $t[5] * 3600 + $t[6] * 60 + $t[7]")
    test (date +%s) -ge $at; or return 0
    set -l name (string replace -ra '[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]' '?' -- "$KEYFOB_PROFILE") # from the config: nothing a terminal acts on
    set -l when (date -d @$at '+%H:%M %Z' 2>/dev/null; or date -r $at '+%H:%M %Z')
    printf 'keyfob: the credentials for %s expired at %s; run: assume %s (or assume --auto-refresh %s)\n' $name $when $name $name >&2
    set -l dead AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION
    set -e $dead
    set -l kept
    for exported in (string split , -- "$KEYFOB_EXPORTED")
        contains -- $exported $dead; or set -a kept $exported
    end
    set -gx KEYFOB_EXPORTED (string join , -- $kept)
end

# At each prompt: static credentials that expired are named once (above); and auto-refresh tokens,
# which end with the daemon that issued them (so nobody who saw one while it was down, a squatter
# on its port, can use it later): a shell whose token's daemon is gone gets a new token from the
# current one, quietly.
function __keyfob_prompt --on-event fish_prompt
    __keyfob_expiry
    contains AWS_CONTAINER_AUTHORIZATION_TOKEN (string split , -- "$KEYFOB_EXPORTED"); or return 0
    test -n "$KEYFOB_DAEMON_PID"; or return 0
    __keyfob_daemon_alive; and return 0
    if not assume --auto-refresh "$KEYFOB_PROFILE" 2>/dev/null
        set -g KEYFOB_DAEMON_PID # once: the line below says what to run
        printf 'keyfob: the auto-refresh credentials for %s ended with their daemon; run: assume --auto-refresh %s\n' "$KEYFOB_PROFILE" "$KEYFOB_PROFILE" >&2
    end
end

# A function, not the command inside -a '(…)': the quoted keyfob path cannot nest in those quotes.
function __keyfob_profiles
    __KEYFOB_BIN__ assume --list-profiles 2>/dev/null
end
complete -c assume -f -a '(__keyfob_profiles)'
