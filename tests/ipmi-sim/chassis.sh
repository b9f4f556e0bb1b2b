#!/bin/sh
# ipmi_sim's chassis_control program for the tests' BMCs: ipmi_sim calls
#   chassis.sh STATEDIR get power            → prints "power:0|1"
#   chassis.sh STATEDIR set power 0|1 | set reset 1 | set shutdown 1
# Every "set" is appended to STATEDIR/events, so a test sees the order of operations.
d=$1; shift
case "$1" in
get) shift; for k in "$@"; do [ "$k" = power ] && echo "power:$(cat "$d/power" 2>/dev/null || echo 0)"; done;;
set) shift; while [ $# -gt 1 ]; do
       echo "$1 $2" >> "$d/events"
       case $1 in power) echo "$2" > "$d/power";; shutdown) echo 0 > "$d/power";; esac
       shift 2; done;;
esac
