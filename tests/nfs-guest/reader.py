#!/usr/bin/python3
"""A client reading in a loop, as a compute node reads /install: open, read, close, again.

Every read is O_DIRECT, so that it reaches the server: with the read delegation a Linux NFSv4
server hands out, a cached read would go on succeeding with no server at all.

reader.py DIR LOG STOPFILE: reads DIR/data until STOPFILE exists, and through one file descriptor
opened at the start (a file held open across the move) every tenth round. Each result is a line of
LOG: "TIME path ok" or "TIME path ERRNO_NAME" (and "fd" for the held descriptor), TIME in seconds
since the epoch, the clock the scenario stamps its steps with.
"""
import errno, mmap, os, sys, time

directory, log_path, stop = sys.argv[1], sys.argv[2], sys.argv[3]
# O_DIRECT wants an aligned buffer: an anonymous mapping is page-aligned.
buffer = mmap.mmap(-1, 65536)
held = os.open(os.path.join(directory, "data"), os.O_RDONLY | os.O_DIRECT)
with open(log_path, "w", buffering=1) as log:
    log.write(f"{time.time():.3f} start ok\n")
    round_ = 0
    while not os.path.exists(stop):
        round_ += 1
        try:
            fd = os.open(os.path.join(directory, "data"), os.O_RDONLY | os.O_DIRECT)
            try:
                os.preadv(fd, [buffer], 0)
            finally:
                os.close(fd)
            log.write(f"{time.time():.3f} path ok\n")
        except OSError as e:
            log.write(f"{time.time():.3f} path {errno.errorcode.get(e.errno, e.errno)}\n")
            time.sleep(0.05)
        if round_ % 10 == 0 and held >= 0:
            try:
                os.preadv(held, [buffer], 0)
                log.write(f"{time.time():.3f} fd ok\n")
            except OSError as e:
                log.write(f"{time.time():.3f} fd {errno.errorcode.get(e.errno, e.errno)}\n")
        time.sleep(0.02)
