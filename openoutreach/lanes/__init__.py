"""Lane dispatchers: plain functions that decide what is due, claim it in the database and enqueue it.

beat (beat_schedule.py) -> `lanes.<lane>` task on `default` (workers/lanes.py) -> `dispatch()` here.
Each dispatch is safe to run twice at once (duplicate beats): slots and claims are taken with
conditional UPDATEs, so only one caller wins each. "Later" is always a database timestamp.
"""
