#!/usr/bin/env python3
"""peak_rss.py OUT CMD... - runs CMD (its output as it is) and writes "WALL_SECONDS PEAK_KB" to OUT:
the wall time from start to exit and the highest VmHWM of CMD's own process (not its children),
read from /proc every 20 ms (VmHWM only grows, so a late read misses at most the last 20 ms).
Exit status: CMD's."""
import subprocess
import sys
import time


def vmhwm(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def main():
    if len(sys.argv) < 3:
        sys.stderr.write("usage: peak_rss.py OUT CMD...\n")
        return 2
    t0 = time.monotonic()
    p = subprocess.Popen(sys.argv[2:])
    peak = 0
    while p.poll() is None:
        peak = max(peak, vmhwm(p.pid))
        time.sleep(0.02)
    wall = time.monotonic() - t0
    with open(sys.argv[1], "w") as f:
        f.write("%.3f %d\n" % (wall, peak))
    return p.returncode


if __name__ == "__main__":
    sys.exit(main())
