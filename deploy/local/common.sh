# Sourced by the project's scripts (deploy/, tests/): the pieces they all need, defined once.

# Downloads and builds that a second run reuses: $PAYNOTIFY_CACHE, else the user's cache folder.
paynotify_cache="${PAYNOTIFY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/paynotify}"

# A TCP port on loopback that nothing listens on now (the kernel picks it).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
