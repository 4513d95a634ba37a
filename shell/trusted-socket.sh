#!/bin/sh
# keyfob: may this shell trust the daemon socket $1? Exit 0 if so, 1 if not (silently: the caller
# then asks keyfob itself, which refuses with a one-line reason). The shims run it with sh, so
# bash, zsh and fish share one rule. The rule is in trust.sh, which the installed `keyfob` command
# (bin/keyfob) sources too; without it the dot fails, and so does the check.
. "${0%/*}/trust.sh" && __keyfob_trusted_socket "$1"
