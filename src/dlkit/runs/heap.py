"""Large buffers go back to the system when they are freed (glibc's malloc, Linux).

glibc serves an allocation over its mmap threshold (128 KB at start) with a mapping of its own,
returned when freed, but raises the threshold to the size of any such block freed, up to 32 MB:
from then on a batch's float copy (3 MB for 64 images of 64x64x3) comes from the heap. A small
tensor kept past the batch (a test prediction, kept for the report) then lands above it, and the
heap cannot shrink under it: a CPU run's main process grew by 3.5 MB a test batch, to 1.06 GB
after 15,000 test images read from LitData chunks (0.20 GB with the threshold fixed). Fixing
the threshold at its start value keeps large buffers out of the heap; each then costs a mapping
and its page faults, a small price beside the work done on 3 MB of data.
"""

import ctypes
import ctypes.util
import sys

M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)
START_THRESHOLD = 128 * 1024  # glibc's own initial value


def release_large_buffers() -> bool:
    """Fix glibc's mmap threshold (no effect elsewhere); True when it was set."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, START_THRESHOLD))
    except (OSError, AttributeError):  # another C library (musl has no mallopt)
        return False
