"""Background replicas yield the CPU (adapters/priority.py): every thread of the process is reniced, threads
started afterwards inherit the value, and a process already nicer is left as it is. Each case runs in a child
process, since a nice value cannot be lowered again without privileges."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import json, os, sys, threading
from adapters.priority import lower_priority
start, niceness = int(sys.argv[1]), int(sys.argv[2])
os.nice(start)
stop = threading.Event()
before = threading.Thread(target=stop.wait); before.start()
changed = lower_priority(niceness)
after = threading.Thread(target=stop.wait); after.start()
nices = {t: os.getpriority(os.PRIO_PROCESS, int(t)) for t in os.listdir('/proc/self/task')}
stop.set(); before.join(); after.join()
print(json.dumps({"changed": changed, "threads": len(nices), "nices": sorted(set(nices.values()))}))
"""


def child(start: int, niceness: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(start), str(niceness)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_every_thread_and_later_ones_get_the_value() -> None:
    found = child(0, 10)
    assert found["threads"] == 3  # the main thread, one started before, one after
    assert found["changed"] == 2  # the two that existed
    assert found["nices"] == [10]


def test_a_nicer_process_is_left_alone_and_zero_changes_nothing() -> None:
    assert child(15, 10) == {"changed": 0, "threads": 3, "nices": [15]}
    assert child(0, 0) == {"changed": 0, "threads": 3, "nices": [0]}
