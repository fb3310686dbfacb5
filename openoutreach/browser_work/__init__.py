"""The browser worker's units of work, one module per lane (mirroring `openoutreach/lanes/`): each takes
the account's LinkedIn client and CRM ids, does the browser part through `openoutreach.linkedin`, and
persists the outcome through `openoutreach.pipeline` (claims, transitions, leads). `outward` holds what
every outward action shares (typed results, the worker's re-checks, reading delivery from live state).
"""
