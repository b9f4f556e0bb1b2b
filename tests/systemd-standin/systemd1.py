#!/usr/bin/python3
# A stand-in for systemd's D-Bus manager, for tests only: this machine does not boot with systemd.
# It owns org.freedesktop.systemd1 on the bus in DBUS_SYSTEM_BUS_ADDRESS and answers what the agents
# and the real systemctl ask: Subscribe, StartUnit, StopUnit, GetUnit, LoadUnit, and the Unit
# interface's properties; it emits JobRemoved(u id, o job, s unit, s result) as systemd does when a
# job ends. Units are two files in the directory given as the only argument:
#   UNIT.start   a command line run in its own session, like ExecStart of a Type=simple unit:
#                the start job is done once it runs; a non-zero exit marks the unit failed
#   UNIT.stop    a command line run to completion, like systemd's stop (TERM, KILL of the cgroup);
#                the stop job is done when it returns
# Every call is appended to DIR/calls as "Member arg arg".
import os
import sys

from gi.repository import Gio, GLib

DIR = sys.argv[1]
MANAGER = "/org/freedesktop/systemd1"
XML = """
<node>
  <interface name="org.freedesktop.systemd1.Manager">
    <method name="Subscribe"/>
    <method name="Unsubscribe"/>
    <method name="StartUnit"><arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="o" direction="out"/></method>
    <method name="StopUnit"><arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="o" direction="out"/></method>
    <method name="GetUnit"><arg type="s" direction="in"/><arg type="o" direction="out"/></method>
    <method name="LoadUnit"><arg type="s" direction="in"/><arg type="o" direction="out"/></method>
    <signal name="JobRemoved"><arg type="u"/><arg type="o"/><arg type="s"/><arg type="s"/></signal>
    <property name="Version" type="s" access="read"/>
  </interface>
</node>
"""
UNIT_XML = """
<node>
  <interface name="org.freedesktop.systemd1.Unit">
    <property name="Id" type="s" access="read"/>
    <property name="LoadState" type="s" access="read"/>
    <property name="ActiveState" type="s" access="read"/>
    <property name="SubState" type="s" access="read"/>
    <property name="NeedDaemonReload" type="b" access="read"/>
    <property name="TriggeredBy" type="as" access="read"/>
  </interface>
</node>
"""

state = {}  # unit -> ActiveState
jobs = [0]
registered = set()


def escape(name):
    """systemd's bus label escaping: every byte but [A-Za-z0-9] becomes _xx."""
    return "".join(c if c.isascii() and c.isalnum() else "_%02x" % ord(c) for c in name)


def unit_path(name):
    return MANAGER + "/unit/" + escape(name)


def record(line):
    with open(os.path.join(DIR, "calls"), "a") as f:
        f.write(line + "\n")


def known(name):
    return os.path.exists(os.path.join(DIR, name + ".start"))


def command(name, what):
    with open(os.path.join(DIR, name + "." + what)) as f:
        return f.read()


def spawn(line, session):
    """Runs a unit's command line; the pid is GLib's to reap (a Popen object would reap it itself
    when collected, and a quick exit would never be seen)."""
    argv = ["sh", "-c", 'exec >>"$0" 2>&1 </dev/null; ' + line, os.path.join(DIR, "units.log")]
    pid, *_ = GLib.spawn_async((["setsid"] if session else []) + argv,
                               flags=GLib.SpawnFlags.SEARCH_PATH | GLib.SpawnFlags.DO_NOT_REAP_CHILD)
    return pid


def register_unit(conn, name):
    if name in registered:
        return
    registered.add(name)
    info = Gio.DBusNodeInfo.new_for_xml(UNIT_XML).interfaces[0]

    def get(_c, _s, _p, _i, prop):
        return {
            "Id": GLib.Variant("s", name),
            "LoadState": GLib.Variant("s", "loaded"),
            "ActiveState": GLib.Variant("s", state.get(name, "inactive")),
            "SubState": GLib.Variant("s", {"active": "running", "failed": "failed"}.get(state.get(name), "dead")),
            "NeedDaemonReload": GLib.Variant("b", False),
            "TriggeredBy": GLib.Variant("as", []),
        }[prop]

    conn.register_object(unit_path(name), info, None, get, None)


def new_job():
    jobs[0] += 1
    return jobs[0], "%s/job/%d" % (MANAGER, jobs[0])


def job_removed(conn, job, path, name, result):
    conn.emit_signal(None, MANAGER, "org.freedesktop.systemd1.Manager", "JobRemoved",
                     GLib.Variant("(uoss)", (job, path, name, result)))
    return False


def start(conn, name):
    job, path = new_job()
    state[name] = "active"
    pid = spawn(command(name, "start"), session=True)

    def exited(_pid, status):
        # An exit the unit's stop caused (SIGTERM) is no failure; one while it runs is.
        if state.get(name) == "active" and os.waitstatus_to_exitcode(status) != 0:
            state[name] = "failed"
    GLib.child_watch_add(GLib.PRIORITY_DEFAULT, pid, exited)
    GLib.idle_add(job_removed, conn, job, path, name, "done")
    return path


def stop(conn, name):
    job, path = new_job()
    state[name] = "deactivating"
    pid = spawn(command(name, "stop"), session=False)

    def exited(_pid, _status):
        state[name] = "inactive"
        job_removed(conn, job, path, name, "done")
    GLib.child_watch_add(GLib.PRIORITY_DEFAULT, pid, exited)
    return path


def call(conn, _sender, _path, _iface, method, params, invocation):
    args = params.unpack()
    record(" ".join([method, *map(str, args)]))
    if method in ("Subscribe", "Unsubscribe"):
        invocation.return_value(None)
        return
    name = args[0]
    if not known(name):
        invocation.return_dbus_error("org.freedesktop.systemd1.NoSuchUnit", "Unit %s not found." % name)
        return
    register_unit(conn, name)
    path = {"StartUnit": lambda: start(conn, name), "StopUnit": lambda: stop(conn, name)}.get(method, lambda: unit_path(name))()
    invocation.return_value(GLib.Variant("(o)", (path,)))


def bus_acquired(conn, _name):
    info = Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0]
    conn.register_object(MANAGER, info, call, lambda *a: GLib.Variant("s", "252 (stand-in)"), None)


def name_acquired(conn, _name):
    open(os.path.join(DIR, "ready"), "w").close()


Gio.bus_own_name(Gio.BusType.SYSTEM, "org.freedesktop.systemd1", Gio.BusNameOwnerFlags.NONE, bus_acquired, name_acquired, lambda *a: sys.exit(1))
GLib.MainLoop().run()
