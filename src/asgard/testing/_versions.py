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
        task_id_template: the format of a Mesos task id Marathon generates, with ``{app}`` (the
            app id without its leading slash, ``/`` replaced by ``_``) and ``{uuid}``:
            ``{app}.{uuid}`` up to 1.4, ``{app}.instance-{uuid}._app.1`` from 1.5 (instance ids).
    """

    version: str
    no_leader_status: int
    task_id_template: str

    def task_id(self, app_id: str, uuid: str) -> str:
        """The Mesos task id Marathon gives a task of the absolute app id ``app_id``."""
        app = app_id.lstrip("/").replace("/", "_")
        return self.task_id_template.format(app=app, uuid=uuid)


@attrs.frozen(kw_only=True)
class MesosProfile:
    """How one Mesos version behaves where the versions differ.

    Attributes:
        version: the version, ``"1.4"`` or ``"1.11"``.
        release: the full version masters and agents report (``/version``, agent records).
        build_date: ``build_date`` of ``/version`` and ``/state``.
        build_time: ``build_time`` (epoch seconds) of ``/version`` and ``/state``.
        build_user: ``build_user`` of ``/version`` and ``/state``.
        git_sha: ``git_sha``, or None where the fake does not claim one (the field is left out).
        agent_capabilities: the ``capabilities`` of an agent record and of agent ``/state``.
        master_capabilities: the master's ``capabilities`` in ``/master/state`` (``MasterInfo``
            capabilities appeared in 1.5), or None when the field is absent.
        agent_drain_fields: whether agent records carry ``deactivated`` and, while an operator
            drains the agent, ``drain_info`` and ``estimated_drain_start_time_seconds``
            (Mesos 1.9+). Without them a deactivated or draining agent shows only
            ``active: false``.
    """

    version: str
    release: str
    build_date: str
    build_time: int
    build_user: str
    git_sha: str | None
    agent_capabilities: tuple[str, ...]
    master_capabilities: tuple[str, ...] | None
    agent_drain_fields: bool


MARATHON_PROFILES: Final[Mapping[str, MarathonProfile]] = MappingProxyType(
    {
        "1.4": MarathonProfile(
            version="1.4", no_leader_status=503, task_id_template="{app}.{uuid}"
        ),
        "1.10": MarathonProfile(
            version="1.10",
            no_leader_status=502,
            task_id_template="{app}.instance-{uuid}._app.1",
        ),
    }
)
"""Every Marathon version the FakeCluster emulates, by version string."""

MESOS_PROFILES: Final[Mapping[str, MesosProfile]] = MappingProxyType(
    {
        # The build fields of 1.4 are those of the recorded production agents (1.4.1).
        "1.4": MesosProfile(
            version="1.4",
            release="1.4.1",
            build_date="2017-11-18 02:08:04",
            build_time=1510970884,
            build_user="centos",
            git_sha="c844db9ac7c0cef59be87438c6781bfb71adcc42",
            agent_capabilities=("MULTI_ROLE", "HIERARCHICAL_ROLE", "RESERVATION_REFINEMENT"),
            master_capabilities=None,
            agent_drain_fields=False,
        ),
        "1.11": MesosProfile(
            version="1.11",
            release="1.11.0",
            build_date="2020-11-19 00:00:00",
            build_time=1605744000,
            build_user="asgard-fake",
            git_sha=None,
            agent_capabilities=(
                "MULTI_ROLE",
                "HIERARCHICAL_ROLE",
                "RESERVATION_REFINEMENT",
                "RESOURCE_PROVIDER",
                "RESIZE_VOLUME",
                "AGENT_OPERATION_FEEDBACK",
                "AGENT_DRAINING",
                "TASK_RESOURCE_LIMITS",
            ),
            master_capabilities=("AGENT_UPDATE", "AGENT_DRAINING", "QUOTA_V2"),
            agent_drain_fields=True,
        ),
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
