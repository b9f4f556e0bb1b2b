#!/bin/bash
# The C linker driver for the static executables (CppCompilerAndLinker in Directory.Build.props):
# gcc with everything passed through, except one note. Linking glibc statically, ld says for each
# NSS or dlopen call the runtime or OpenSSL contains "Using 'getaddrinfo' in statically linked
# applications requires at runtime the shared libraries from the glibc version used for linking"
# (with the "in function" line before it). That is the documented limit of static linking
# (README, Install: /etc/hosts and DNS are built in, other NSS sources are not consulted), the
# same for every build; left in, it would bury a new warning. Every other line and the exit
# status are gcc's own.
exec 3>&1
errors=$(gcc "$@" 2>&1 >&3)
status=$?
exec 3>&-
if [ -n "$errors" ]; then
  printf '%s\n' "$errors" | awk '
    /requires at runtime the shared libraries from the glibc version used for linking/ { held = ""; next }
    { if (held != "") print held; held = "" }
    /: in function / { held = $0; next }
    { print }
    END { if (held != "") print held }' >&2
fi
exit $status
