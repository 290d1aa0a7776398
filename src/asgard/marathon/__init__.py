"""The Marathon implementation of the apps backend.

:class:`MarathonAppsBackend` and :class:`AsyncMarathonAppsBackend` manage the account's apps
through Marathon's REST API v2 (1.4 to 1.10): reads, the whole write lifecycle, waiting for
deployments, versions and rollback, the launch queue and the event stream.
"""

from __future__ import annotations

from asgard.marathon._async import AsyncMarathonAppsBackend
from asgard.marathon._sync import MarathonAppsBackend

__all__ = ["AsyncMarathonAppsBackend", "MarathonAppsBackend"]
