#!/bin/bash
# Runs every test assembly and ends with one line "N passed, N failed, N skipped", summed over
# the per-assembly "Passed!/Failed!  - Failed: F, Passed: P, Skipped: S, …" lines of dotnet test.
# A skipped test is counted as skipped, never as passed.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# minimal: a failed test is printed with its message and stack (quiet would hide why it failed)
dotnet test OcfAgents.sln --nologo -v quiet --logger "console;verbosity=minimal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed=0; failed=0; skipped=0
while read -r f p s; do
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done < <(sed -nE 's/.*(Passed|Failed)! +- +Failed: +([0-9]+), +Passed: +([0-9]+), +Skipped: +([0-9]+),.*/\2 \3 \4/p' "$log")
assemblies=$(grep -cE '(Passed|Failed)! +- +Failed:' "$log" || true)
expected=$(find tests -name '*.Tests.csproj' | wc -l)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; echo "dotnet test exited $status (build or run failure)"; fi
if [ "$assemblies" -ne "$expected" ]; then
  echo "only $assemblies of $expected test assemblies reported results"
  [ "$failed" -eq 0 ] && failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
