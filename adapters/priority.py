"""Work that no request waits on yields the CPU to work that one does.

The Messaging deployment relays the outbox and renders every confirmation's e-mail and tickets PDF: about 20 ms of
CPU per paid booking, more than the booking itself (loadtests/RESULTS.md). At an on-sale's opening it took 30 % of
a core while holds and pays waited (bench-queue, 2026-12-04), though an e-mail a few seconds later harms
nobody. A higher nice value leaves it the CPU the requests do not use: under contention the kernel gives a nice-10
process about a tenth of a nice-0 one's share, and all of it when the cores are idle, so the e-mails still go out
and catch up as soon as the rush is over.

On Linux a nice value belongs to a thread, not the process (setpriority(2), "BUGS"), and the replica's threads
(Ray's, the broker consumer's) exist before the deployment starts: each thread is reniced, and threads started
later inherit the value of the one that starts them.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger("eventbook.priority")
TASKS = "/proc/self/task"


def lower_priority(niceness: int) -> int:
    """Raise this process's threads' nice value to at least `niceness` (0: leave it); returns how many changed."""
    if niceness <= 0:
        return 0
    changed = 0
    for tid in _threads():
        try:
            if os.getpriority(os.PRIO_PROCESS, tid) < niceness:
                os.setpriority(os.PRIO_PROCESS, tid, niceness)
                changed += 1
        except (ProcessLookupError, PermissionError) as error:  # a thread that ended meanwhile; a locked-down host
            log.debug("could not renice thread %s: %r", tid, error)
    return changed


def _threads() -> list[int]:
    try:
        return [int(tid) for tid in os.listdir(TASKS)]
    except FileNotFoundError:  # not Linux: the process's value is the threads' value
        return [0]
