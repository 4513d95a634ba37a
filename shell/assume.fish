# keyfob for fish. In ~/.config/fish/config.fish:  keyfob shell-init fish | source
# `assume` runs keyfob's backend and sources only what it writes to fd 3 (the exports). The
# backend's stdout (a command run with --exec, a console URL, help) goes to the terminal and is
# never evaluated. The backend writes the exports in one piece as its last step, and nothing at
# all when it fails, so a failed assume changes no variable. (A pipe, not a command
# substitution: fish does not apply the function's redirections, such as 2>, inside one.)
# Tells `keyfob doctor` (a child of this shell) that the shim is loaded.
set -gx KEYFOB_SHELL_SHIM fish

# The daemon's socket and the config file, found as keyfob itself finds them (src/paths.ts; the
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

function __keyfob_socket
    if test -n "$KEYFOB_SOCKET"
        __keyfob_path $KEYFOB_SOCKET
    else if test -n "$KEYFOB_HOME"
        echo (__keyfob_path $KEYFOB_HOME)/run/daemon.sock
    else if string match -q -- '/*' "$XDG_RUNTIME_DIR"; and test -O "$XDG_RUNTIME_DIR"
        echo $XDG_RUNTIME_DIR/keyfob/daemon.sock
    else if test -d /System/Library/CoreServices # macOS
        echo "$HOME/Library/Application Support/keyfob/run/daemon.sock"
    else if test -n "$XDG_STATE_HOME"
        echo $XDG_STATE_HOME/keyfob/run/daemon.sock
    else
        echo $HOME/.local/state/keyfob/run/daemon.sock
    end
end

function assume --description 'AWS credentials for a profile, from keyfob'
    set -l __keyfob_status 0
    # Fast path for the everyday `assume PROFILE`: ask the daemon's socket with curl, which starts
    # in a fraction of Node's time, once the socket passes the same trust check as keyfob's own
    # (trusted-socket.sh: only your own daemon can have made it). The daemon sends the same script
    # the backend would print, or (HTTP error, curl status 22) the one-line error. Anything else,
    # KEYFOB_FAST_PATH=off, no daemon running yet, an untrusted socket, or auto-refresh (a token to
    # issue or revoke) goes to the backend below, which starts a daemon or refuses with the reason.
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
            set -l __keyfob_script (curl -sS --fail-with-body --unix-socket "$__keyfob_sock" -G --data-urlencode "profile=$argv[1]" --data-urlencode shell=fish --data-urlencode "exported=$KEYFOB_EXPORTED" --data-urlencode "config=$__keyfob_cfg" --data-urlencode "credentials=$__keyfob_creds" http://keyfob/v1/shell/assume 2>/dev/null)
            set __keyfob_status $status
            if test $__keyfob_status -eq 0
                string join \n -- $__keyfob_script | source
                return 0
            else if test $__keyfob_status -eq 22; and not begin; test -t 0; and test -t 2; end
                # Except a profile whose source is this shell's environment: the backend sends the keys.
                if not string match -q -- '*(credential_source = Environment)*' "$__keyfob_script"
                    printf '%s\n' $__keyfob_script >&2
                    return 1
                end
            end
            # A refusal at a terminal goes to the backend: it signs in when the session has ended
            # (and otherwise prints the same line). Without a terminal the line above fails fast.
        end
    end
    begin
        __KEYFOB_BIN__ assume --shell fish --eval-fd 3 $argv 3>&1 1>&4 4>&- | source
        set __keyfob_status $pipestatus[1]
    end 4>&1
    return $__keyfob_status
end

# Auto-refresh tokens end with the daemon that issued them, so nobody who saw one while it was
# down (a squatter on its port) can use it later. At each prompt, a shell whose token's daemon is
# gone gets a new token from the current one, quietly.
function __keyfob_prompt --on-event fish_prompt
    contains AWS_CONTAINER_AUTHORIZATION_TOKEN (string split , -- "$KEYFOB_EXPORTED"); or return 0
    test -n "$KEYFOB_DAEMON_PID"; or return 0
    if test -d /proc
        test -d /proc/$KEYFOB_DAEMON_PID; and return 0
    else
        command kill -0 $KEYFOB_DAEMON_PID 2>/dev/null; and return 0
    end
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
