"""The server versions a FakeCluster emulates, as a small table of what differs between them.

The later endpoint code reads these profiles instead of branching on version strings, so adding
a version means adding a row here, not a fake per version.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import attrs

from asgard.errors import InvalidInputError

__all__ = [
    "MARATHON_PROFILES",
    "MESOS_PROFILES",
    "SUPPORTED_MARATHON_VERSIONS",
    "SUPPORTED_MESOS_VERSIONS",
    "MarathonProfile",
    "MesosProfile",
    "marathon_profile",
    "mesos_profile",
]


@attrs.frozen(kw_only=True)
class MarathonProfile:
    """How one Marathon version behaves where the versions differ.

    Attributes:
        version: the version, ``"1.4"`` or ``"1.10"``.
        no_leader_status: the status a node answers with while no leader is known: 503 up to
            Marathon 1.6, 502 from 1.7.
    """

    version: str
    no_leader_status: int


@attrs.frozen(kw_only=True)
class MesosProfile:
    """How one Mesos version behaves where the versions differ.

    Attributes:
        version: the version, ``"1.4"`` or ``"1.11"``.
    """

    version: str


MARATHON_PROFILES: Final[Mapping[str, MarathonProfile]] = MappingProxyType(
    {
        "1.4": MarathonProfile(version="1.4", no_leader_status=503),
        "1.10": MarathonProfile(version="1.10", no_leader_status=502),
    }
)
"""Every Marathon version the FakeCluster emulates, by version string."""

MESOS_PROFILES: Final[Mapping[str, MesosProfile]] = MappingProxyType(
    {
        "1.4": MesosProfile(version="1.4"),
        "1.11": MesosProfile(version="1.11"),
    }
)
"""Every Mesos version the FakeCluster emulates, by version string."""

SUPPORTED_MARATHON_VERSIONS: Final[tuple[str, ...]] = tuple(MARATHON_PROFILES)
"""The Marathon versions :class:`~asgard.testing.FakeCluster` accepts."""

SUPPORTED_MESOS_VERSIONS: Final[tuple[str, ...]] = tuple(MESOS_PROFILES)
"""The Mesos versions :class:`~asgard.testing.FakeCluster` accepts."""


def marathon_profile(version: object) -> MarathonProfile:
    """Return the profile of a Marathon version.

    Raises:
        InvalidInputError: when the version is not in :data:`SUPPORTED_MARATHON_VERSIONS`.
    """
    if isinstance(version, str) and version in MARATHON_PROFILES:
        return MARATHON_PROFILES[version]
    raise InvalidInputError(
        f"marathon_version {version!r} is not emulated; choose one of "
        f"{', '.join(SUPPORTED_MARATHON_VERSIONS)}"
    )


def mesos_profile(version: object) -> MesosProfile:
    """Return the profile of a Mesos version.

    Raises:
        InvalidInputError: when the version is not in :data:`SUPPORTED_MESOS_VERSIONS`.
    """
    if isinstance(version, str) and version in MESOS_PROFILES:
        return MESOS_PROFILES[version]
    raise InvalidInputError(
        f"mesos_version {version!r} is not emulated; choose one of "
        f"{', '.join(SUPPORTED_MESOS_VERSIONS)}"
    )
