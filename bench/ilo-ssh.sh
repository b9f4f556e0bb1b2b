#!/bin/bash
# bench/ilo-ssh.sh — fence_riloe transport=ssh (SSH.NET, in-process) against fence-agents'
# fence_ilo_ssh (pexpect driving /usr/bin/ssh), both `-o status` on the same iLO SSH server: a
# real OpenSSH sshd whose forced command plays the SMASH CLP (tests/ilo-ssh-standin/clp.py), as
# the tests run it (tests/OcfAgents.Agents.Tests/Support/IloSshFixture.cs). Password login, host
# key pinned for both. Appends a section to RESULTS.md.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/ocfagents-ilossh-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
password=bench-secret
ssh-keygen -q -t ed25519 -N "" -C "" -f "$work/host_key"
cp /etc/passwd "$work/passwd"; echo "Administrator:x:0:0:iLO login:/root:/bin/sh" >> "$work/passwd"
cp /etc/shadow "$work/shadow"; chmod 600 "$work/shadow"
echo "Administrator:$(printf '%s\n' "$password" | openssl passwd -6 -stdin):19000:0:99999:7:::" >> "$work/shadow"
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$work/host_key.pub")" > "$work/known_hosts"
cat > "$work/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $work/host_key
PidFile $work/sshd.pid
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin yes
PrintMotd no
PrintLastLog no
UseDNS no
ForceCommand /usr/bin/python3 $here/tests/ilo-ssh-standin/clp.py $work/power
CONF
mkdir -p /run/sshd
unshare -m sh -c 'mount --bind "$0/passwd" /etc/passwd && mount --bind "$0/shadow" /etc/shadow && exec /usr/sbin/sshd -D -e -f "$0/sshd_config"' "$work" 2>/dev/null & sshd_pid=$!
trap 'kill $sshd_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $port)).recv(8)" 2>/dev/null && break; sleep 0.1; done
ours="$here/dist/bin/fence_riloe --ip=127.0.0.1 --ipport=$port --username=Administrator --password=$password --transport=ssh --ssh-known-hosts=$work/known_hosts --action=status"
theirs="/usr/sbin/fence_ilo_ssh --ssh --ip=127.0.0.1 --ipport=$port --username=Administrator --password=$password --ssh-options='-o UserKnownHostsFile=$work/known_hosts -o StrictHostKeyChecking=yes' --action=status"
# Both must answer before they are timed (a password on argv is fine for a throw-away bench login).
$ours | grep -q "Status: ON"
eval "$theirs" | grep -q "Status: ON"
json="$work/ilo-ssh.json"
hyperfine -N --warmup 3 --runs "${BENCH_RUNS:-30}" --export-json "$json" \
  -n "fence_riloe -o status (transport=ssh)" "$ours" \
  -n "fence_ilo_ssh -o status" "$theirs" >/dev/null
python3 "$here/bench/section.py" "$json" "$here/bench/RESULTS.md" \
  "fence_riloe transport=ssh against fence_ilo_ssh (bench/ilo-ssh.sh)" \
  "One real OpenSSH sshd playing the iLO's SMASH CLP (forced command), password login, host key pinned for both; status is one login, one 'power' (ours) or 'SMCLP' + 'show /system1' (theirs), and the logout." \
  "fence_riloe -o status (transport=ssh) / fence_ilo_ssh -o status | < 1"
