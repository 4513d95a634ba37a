# keyfob for fish. In ~/.config/fish/config.fish:  keyfob shell-init fish | source
# `assume` runs keyfob's backend and sources only what it writes to fd 3 (the exports). The
# backend's stdout (a command run with --exec, a console URL, help) goes to the terminal and is
# never evaluated. The backend writes the exports in one piece as its last step, and nothing at
# all when it fails, so a failed assume changes no variable. (A pipe, not a command
# substitution: fish does not apply the function's redirections, such as 2>, inside one.)
# Tells `keyfob doctor` (a child of this shell) that the shim is loaded.
set -gx KEYFOB_SHELL_SHIM fish

function assume --description 'AWS credentials for a profile, from keyfob'
    set -l __keyfob_status 0
    # Fast path for the everyday `assume PROFILE`: ask the daemon's socket with curl, which starts
    # in a fraction of Node's time. The daemon sends the same script the backend would print, or
    # (HTTP error, curl status 22) the one-line error. Anything else, KEYFOB_FAST_PATH=off, no
    # daemon running yet, or auto-refresh (a token to issue or revoke) goes to the backend below.
    if test (count $argv) -eq 1; and not string match -q -- '-*' $argv[1]; and test "$KEYFOB_FAST_PATH" != off; and test "$KEYFOB_AUTO_REFRESH" != on
        and test -z "$AWS_CONTAINER_AUTHORIZATION_TOKEN"; and test -S __KEYFOB_SOCKET__; and command -q curl
        set -l __keyfob_script (curl -sS --fail-with-body --unix-socket __KEYFOB_SOCKET__ -G --data-urlencode "profile=$argv[1]" --data-urlencode shell=fish --data-urlencode "exported=$KEYFOB_EXPORTED" http://keyfob/v1/shell/assume 2>/dev/null)
        set __keyfob_status $status
        if test $__keyfob_status -eq 0
            string join \n -- $__keyfob_script | source
            return 0
        else if test $__keyfob_status -eq 22
            printf '%s\n' $__keyfob_script >&2
            return 1
        end
    end
    begin
        __KEYFOB_BIN__ assume --shell fish --eval-fd 3 $argv 3>&1 1>&4 4>&- | source
        set __keyfob_status $pipestatus[1]
    end 4>&1
    return $__keyfob_status
end

complete -c assume -f -a '(__KEYFOB_BIN__ assume --list-profiles 2>/dev/null)'
