"""Lane dispatchers, consumed from the `default` queue and emitted by beat (see beat_schedule.py).

One thin task per declared lane (`openoutreach/lanes/registry.py`): `lanes.<name>` runs the lane's
dispatcher, which decides what is due, claims it in the database and enqueues the work on the right
queue. The return value (what was sent) is what Flower shows for the tick.
"""

from __future__ import annotations

from celery import shared_task

from openoutreach.lanes.registry import LANES, DeclaredLane


def _task_for(lane: DeclaredLane):
    def tick():
        return lane.run()

    tick.__name__ = tick.__qualname__ = f"{lane.name}_lane"
    tick.__doc__ = lane.summary
    return shared_task(name=lane.task)(tick)


TASKS = {lane.name: _task_for(lane) for lane in LANES}
