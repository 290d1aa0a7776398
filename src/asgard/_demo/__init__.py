"""The walk-through behind ``python -m asgard demo``.

``_async.py`` holds the walk-through, written once against the async API; ``_sync.py`` is
generated from it by ``scripts/unasync.py``. The cluster it runs on (``_scenario.py``) and the
terminal output (``_output.py``: aligned tables, the progress line) are plain code both share.
"""

from __future__ import annotations
