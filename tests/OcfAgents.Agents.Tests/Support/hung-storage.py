#!/usr/bin/python3
# hung-storage.py MOUNTPOINT -- COMMAND...
# Run inside `unshare --mount --propagation private`: mounts a FUSE file system at MOUNTPOINT
# whose server never answers (not even the kernel's INIT), runs COMMAND, and exits with its
# status (128+N when a signal N ended it). Every access below MOUNTPOINT waits, killably, as on
# a hard NFS mount whose server is gone or a wedged cluster file system. The mount lives only in
# this private namespace and dies with it.
import ctypes, os, subprocess, sys

mountpoint, sep, command = sys.argv[1], sys.argv[2], sys.argv[3:]
if sep != "--" or not command:
    sys.exit("usage: hung-storage.py MOUNTPOINT -- COMMAND...")
fd = os.open("/dev/fuse", os.O_RDWR)
libc = ctypes.CDLL(None, use_errno=True)
options = f"fd={fd},rootmode=40000,user_id=0,group_id=0".encode()
if libc.mount(b"hung-storage", mountpoint.encode(), b"fuse", 0, options) != 0:
    sys.exit(f"hung-storage: mount fuse on {mountpoint}: {os.strerror(ctypes.get_errno())}")
child = subprocess.run(command)  # close_fds: the command never holds the FUSE descriptor
sys.exit(child.returncode if child.returncode >= 0 else 128 - child.returncode)
