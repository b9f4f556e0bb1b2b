#!/usr/bin/python3
# The SMASH CLP of an HP iLO 3/4/5 as its SSH server presents it, for tests only: run by a real
# OpenSSH sshd as the forced command of the iLO's login, so the SSH side (host key, password and
# public-key authentication, the session's shell or exec request) is sshd's own. The power state
# lives in the file named by the only argument; every command is appended to STATE.commands.
# It answers the commands fence_riloe (transport=ssh) and fence-agents' fence_ilo_ssh send:
#   power                    power: server power is currently: On|Off
#   power on | power off [hard] | power reset | power warm
#   show /system1            ... EnabledState=enabled|disabled
#   start /system1 | stop [-f] /system1 | reset /system1 [hard]
#   SMCLP (accepted), exit
# A command's output is framed as the iLO frames it: "status=N", "status_tag=...", a blank
# line, the text, then the prompt "</>hpiLO-> ". Lines end in CR LF; input lines end in CR or LF.
import os
import sys
import time

STATE = sys.argv[1]
PROMPT = "</>hpiLO-> "


def power():
    try:
        with open(STATE) as f:
            return f.read().strip() or "On"
    except FileNotFoundError:
        return "On"


def set_power(value):
    with open(STATE, "w") as f:
        f.write(value)


def out(text):
    sys.stdout.write(text.replace("\n", "\r\n"))
    sys.stdout.flush()


def framed(body, status=0, tag="COMMAND COMPLETED"):
    out("\nstatus=%d\nstatus_tag=%s\n%s\n\n%s\n\n" % (status, tag, time.strftime("%a %b %d %H:%M:%S %Y"), body))


def run(line):
    words = line.split()
    with open(STATE + ".commands", "a") as f:
        f.write(line + "\n")
    if not words or words == ["SMCLP"]:
        return
    if words == ["power"]:
        framed("power: server power is currently: %s" % power())
    elif words in (["power", "on"], ["start", "/system1"]):
        set_power("On")
        framed("Server powering on .......")
    elif words in (["power", "off"], ["power", "off", "hard"], ["stop", "/system1"], ["stop", "-f", "/system1"]):
        set_power("Off")
        framed("Server powering off .......")
    elif words in (["power", "reset"], ["power", "warm"], ["reset", "/system1"], ["reset", "/system1", "hard"]):
        if power() == "Off":
            framed("", 2, "COMMAND PROCESSING FAILED\nerror_tag=COMMAND ERROR-UNSPECIFIED\nServer power is off.")
        else:
            framed("Server resetting .......")
    elif words == ["show", "/system1"]:
        state = "enabled" if power() == "On" else "disabled"
        framed("/system1\n  Targets\n  Properties\n    name=ProLiant\n    enabledstate=%s\n    EnabledState=%s" % (state, state))
    else:
        framed("", 2, "COMMAND PROCESSING FAILED\nerror_tag=COMMAND NOT RECOGNIZED")


if os.environ.get("SSH_ORIGINAL_COMMAND"):
    run(os.environ["SSH_ORIGINAL_COMMAND"])
    sys.exit(0)

out("\nUser:Administrator logged-in to ILOSTANDIN.(127.0.0.1 / FE80::1)\n\niLO Standard 2.82 at  Feb 06 2023\nServer Name: stand-in\nServer Power: %s\n\n%s" % (power(), PROMPT))
line = b""
while True:
    c = os.read(0, 1)
    if not c:
        break
    if c in (b"\r", b"\n"):
        if c == b"\n" and not line:
            continue
        text = line.decode(errors="replace").strip()
        line = b""
        if text == "exit":
            out("\n")
            break
        run(text)
        out(PROMPT)
    else:
        line += c
