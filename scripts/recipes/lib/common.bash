# shellcheck shell=bash
# What every diagnostic script under scripts/recipes/ shares: usage errors (exit 2) and flag values.
# Sourced by each script after it sets `me` (its name in messages).

# Prints "<me>: <message>" and the hint to --help on stderr, and exits 2.
usage_error() {
    echo "${me:-${0##*/}}: $*" >&2
    echo "Run '${me:-${0##*/}} --help' for usage." >&2
    exit 2
}

# need_value <flag> [<value> ...]: a usage error unless the flag is followed by a value that is not a flag.
need_value() {
    if [ $# -lt 2 ] || [ -z "$2" ] || [[ "$2" == --* ]]; then usage_error "flag $1 needs a value"; fi
}

# need_command <command> [<why>]: a usage error unless the command is on PATH.
need_command() {
    command -v "$1" >/dev/null 2>&1 || usage_error "$1 is not on PATH${2:+ ($2)}"
}
