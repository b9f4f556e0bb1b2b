#!/bin/bash
# with-ocf-root.sh DIR -- COMMAND...
# Run inside a private mount namespace (unshare --mount): makes DIR the OCF resource.d tree that
# Pacemaker's tools look in (/usr/lib/ocf/resource.d is compiled in), then runs COMMAND. The
# host's /usr/lib/ocf is never written: the bind mount vanishes with the namespace.
set -euo pipefail
dir=$1; shift
[ "$1" = "--" ] && shift
mount --bind "$dir" /usr/lib/ocf/resource.d
exec "$@"
