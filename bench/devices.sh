# Sourced by bench/run.sh and bench/before-after.sh: the fencing devices both measure against.
# Each function starts one in DIR and sets <device>_port and <device>_pid; the caller kills the pid.

# start_ipmi_sim DIR — OpenIPMI's ipmi_sim, as in tests/…/Support/IpmiSim.cs: loopback UDP, user
# admin, password secret, power in a state file (on). Its chassis script reads the state with the
# shell's own `read`, not cat: every Get Chassis Status runs it, and an exec costs ~2 ms on this
# machine — simulator time that both sides would pay. Returns once ipmitool gets an answer.
start_ipmi_sim() {
  local sim=$1
  mkdir -p "$sim/state"; echo 1 > "$sim/state/power"
  ipmi_port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat > "$sim/chassis.sh" <<'SH'
#!/bin/sh
d=$1; shift
case "$1" in
get) read -r p < "$d/power"; echo "power:$p";;
set) [ "$2" = power ] && echo "$3" > "$d/power"; [ "$2" = shutdown ] && echo 0 > "$d/power"; :;;
esac
SH
  chmod +x "$sim/chassis.sh"
  cat > "$sim/lan.conf" <<CONF
name "sim"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 $ipmi_port
    priv_limit admin
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "$sim/chassis.sh $sim/state"
  user 2 true "admin" "secret" admin 10 none md2 md5 straight
CONF
  printf 'mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02\nmc_enable 0x20\n' > "$sim/sim.emu"
  ipmi_sim -n -p -c "$sim/lan.conf" -f "$sim/sim.emu" -s "$sim/state" >/dev/null 2>&1 </dev/null &
  ipmi_pid=$!
  for _ in $(seq 100); do IPMI_PASSWORD=secret ipmitool -I lanplus -C 3 -H 127.0.0.1 -p "$ipmi_port" -U admin -E -N 1 -R 1 chassis power status >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "bench: ipmi_sim did not answer" >&2; return 1
}

# start_ilo_sim DIR — the iLO stand-in (tests/OcfAgents.IloSim), RIBCL over TLS on loopback, user
# admin, password secret; its certificate is self-signed (fence agents need --ssl-insecure).
start_ilo_sim() {
  local dir=$1 ready
  dotnet build "$here/tests/OcfAgents.IloSim" -c Release -o "$dir-bin" --nologo -v quiet >/dev/null
  mkdir -p "$dir"; printf secret > "$dir/password"
  coproc ILO { exec dotnet "$dir-bin/OcfAgents.IloSim.dll" --dir "$dir"; }
  ilo_pid=$ILO_PID
  read -r -t 60 ready ilo_port _ <&"${ILO[0]}"
  [ "$ready" = ready ] || { echo "bench: the iLO stand-in did not start" >&2; return 1; }
}
