"""Hypothesis profiles of the fuzz tests, chosen by ``HYPOTHESIS_PROFILE`` (default ``ci``).

- ``ci``: 150 examples per property (a quarter of that for the regression tests of fixed
  bugs, whose ``@example`` is the point); ``pytest tests/fuzz`` takes about half a minute on
  two cores.
- ``long``: tens of thousands of examples per property, for a nightly or a bug hunt
  (``HYPOTHESIS_PROFILE=long pytest tests/fuzz``).

No example database is written (``database=None``): nothing lands in the repository. A failure
prints the ``@reproduce_failure`` blob, and ``--hypothesis-seed=N`` replays a run.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    database=None,
    print_blob=True,
)
settings.register_profile(
    "long",
    max_examples=20_000,
    deadline=None,
    database=None,
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
