#!/bin/bash
# Runs every test assembly and ends with one line "N passed, N failed, N skipped", summed over
# the per-assembly "Passed!/Failed!  - Failed: F, Passed: P, Skipped: S, …" lines of dotnet test.
# A skipped test is counted as skipped, never as passed.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
results=$(mktemp -d)
trap 'rm -rf "$log" "$results"' EXIT
# minimal: a failed test is printed with its message and stack (quiet would hide why it failed);
# the trx files give each skipped test's reason, which the console does not show at this level.
dotnet test OcfAgents.sln --nologo -v quiet --logger "console;verbosity=minimal" --logger trx --results-directory "$results" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# Every skip with its reason, grouped: a skip is visible, never silent.
python3 - "$results" <<'PY'
import glob, sys, collections, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
skips = collections.defaultdict(list)
for trx in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    for r in ET.parse(trx).getroot().iterfind(".//t:UnitTestResult", ns):
        if r.get("outcome") == "NotExecuted":
            m = r.find("t:Output/t:ErrorInfo/t:Message", ns)
            skips[(m.text or "").strip() if m is not None else "(no reason given)"].append(r.get("testName"))
for reason, names in skips.items():
    print(f"skipped {len(names)}: {reason}")
    for n in sorted(names): print(f"  {n}")
PY
passed=0; failed=0; skipped=0
while read -r f p s; do
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done < <(sed -nE 's/.*(Passed|Failed|Skipped)! +- +Failed: +([0-9]+), +Passed: +([0-9]+), +Skipped: +([0-9]+),.*/\2 \3 \4/p' "$log")
assemblies=$(grep -cE '(Passed|Failed|Skipped)! +- +Failed:' "$log" || true)
expected=$(find tests -name '*.Tests.csproj' | wc -l)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; echo "dotnet test exited $status (build or run failure)"; fi
if [ "$assemblies" -ne "$expected" ]; then
  echo "only $assemblies of $expected test assemblies reported results"
  [ "$failed" -eq 0 ] && failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
