#!/usr/bin/python3
"""A client reading in a loop, as a compute node reads /install: open, read, close, again.

reader.py DIR LOG STOPFILE: reads DIR/data until STOPFILE exists, and through one file descriptor
opened at the start (a file held open across the move) every tenth round. Each result is a line of
LOG: "TIME path ok" or "TIME path ERRNO_NAME" (and "fd" for the held descriptor), TIME in seconds
since the epoch, the clock the scenario stamps its steps with.
"""
import errno, os, sys, time

directory, log_path, stop = sys.argv[1], sys.argv[2], sys.argv[3]
held = os.open(os.path.join(directory, "data"), os.O_RDONLY)
with open(log_path, "w", buffering=1) as log:
    log.write(f"{time.time():.3f} start ok\n")
    round_ = 0
    while not os.path.exists(stop):
        round_ += 1
        try:
            with open(os.path.join(directory, "data"), "rb") as f:
                f.read()
            log.write(f"{time.time():.3f} path ok\n")
        except OSError as e:
            log.write(f"{time.time():.3f} path {errno.errorcode.get(e.errno, e.errno)}\n")
            time.sleep(0.05)
        if round_ % 10 == 0 and held >= 0:
            try:
                os.pread(held, 4096, 0)
                log.write(f"{time.time():.3f} fd ok\n")
            except OSError as e:
                log.write(f"{time.time():.3f} fd {errno.errorcode.get(e.errno, e.errno)}\n")
        time.sleep(0.02)
