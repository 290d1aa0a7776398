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

    Every field was read from the Marathon sources of the two releases (tags ``v1.4.13`` and
    ``master`` at 1.10.26+) and checked against the recorded payloads in
    ``shared/fixtures/marathon`` (``api-examples-v1.4/`` and ``api-examples/``).

    Attributes:
        version: the version, ``"1.4"`` or ``"1.10"``.
        no_leader_status: the status a node answers with while no leader is known: 503 up to
            Marathon 1.6, 502 from 1.7 (a Jetty HTML page, "Could not determine the current
            leader").
        task_id_template: the format of a Mesos task id Marathon generates, with ``{app}`` (the
            app id without its leading slash, ``/`` replaced by ``_``) and ``{uuid}``:
            ``{app}.{uuid}`` up to 1.7, ``{app}.instance-{uuid}._app.1`` from 1.8 (instance ids).
        release: the full version ``/v2/info`` reports.
        buildref: the ``buildref`` of ``/v2/info``.
        invalid_json_status: the status of a body Marathon cannot read as an app (a field of the
            wrong JSON type, an unknown enum literal): 400 up to 1.5, 422 from 1.6. Semantic
            validation ("Object is not valid") is 422 in both.
        raml_validation: whether the app id pattern and the ``cpus`` minimum (0.001) are checked
            while reading the JSON (1.5+, RAML types: ``"Invalid JSON"`` with ``error.pattern``
            / ``error.min``) instead of by the validator (1.4: ``"Object is not valid"``, and
            ``cpus`` only has to be at least 0).
        events_redirect: whether a standby answers ``/v2/events`` with a 302 to the leader
            (1.7+) instead of proxying the stream (up to 1.6).
        light_plan_events: whether deployment events carry the light plan ``{id, steps,
            version}`` (1.10 always; ``plan-format=light`` is accepted) instead of the heavy one
            that adds the whole ``original`` and ``target`` root groups (1.4).
        deployment_failed_reason: whether ``deployment_failed`` carries a ``reason`` (1.8+).
        max_running_deployments: the default ``--max_running_deployments`` (1.6+), or None
            where Marathon has no such limit (1.4).
        task_stats_key: the AppInfo key of ``embed=apps.taskStats``: ``taskStats`` up to 1.8,
            ``tasksStats`` from 1.9.
        role_fields: whether apps, tasks and queue entries carry ``role`` (1.9+), groups
            ``enforceRole`` and ``/v2/info`` ``new_group_enforce_role``.
        legacy_app_fields: whether app JSON carries the deprecated ``ports``, ``uris`` and
            ``storeUrls`` and writes absent values as ``null`` (1.4); 1.10 leaves them out.
        docker_network_field: whether a Docker container names its network in
            ``container.docker.network`` (1.4) rather than in the app's ``networks`` (1.5+).
        task_region_fields: whether tasks carry ``region`` and ``zone`` when the agent has a
            fault domain (1.6+).
        create_answer_tasks: whether the 201 of ``POST /v2/apps`` carries ``"tasks": []`` (1.4;
            1.10 leaves ``tasks`` out).
        offer_reasons: the reasons Marathon reports for declined offers, in its funnel order
            (``rejectSummaryLastOffers``).
        unknown_route_message: the ``message`` of an unknown route (``{path}`` is replaced).
        proxy_refused_status: what a standby answers when the leader refuses the proxied
            connection: 503 (1.4) or 502 (1.10).
        security_headers: whether answers carry ``X-Frame-Options`` and
            ``X-XSS-Protection`` (1.8+).
        instance_created_condition: the condition of ``instance_changed_event`` for a task
            just launched: ``Created`` (1.4) or ``Provisioned`` (1.8+).
        default_max_launch_delay: the default ``maxLaunchDelaySeconds``: 3600 (1.4), 300
            (1.10).
    """

    version: str
    no_leader_status: int
    task_id_template: str
    release: str = ""
    buildref: str = "unknown"
    invalid_json_status: int = 422
    raml_validation: bool = True
    events_redirect: bool = True
    light_plan_events: bool = True
    deployment_failed_reason: bool = True
    max_running_deployments: int | None = 100
    task_stats_key: str = "tasksStats"
    role_fields: bool = True
    legacy_app_fields: bool = False
    docker_network_field: bool = False
    task_region_fields: bool = True
    create_answer_tasks: bool = False
    offer_reasons: tuple[str, ...] = ()
    unknown_route_message: str = "URI not found"
    proxy_refused_status: int = 502
    security_headers: bool = True
    instance_created_condition: str = "Provisioned"
    default_max_launch_delay: int = 300

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
            version="1.4",
            no_leader_status=503,
            task_id_template="{app}.{uuid}",
            release="1.4.13",
            buildref="8d31177218d676326f5ac95f3e963403105a568d",
            invalid_json_status=400,
            raml_validation=False,
            events_redirect=False,
            light_plan_events=False,
            deployment_failed_reason=False,
            max_running_deployments=None,
            task_stats_key="taskStats",
            role_fields=False,
            legacy_app_fields=True,
            docker_network_field=True,
            task_region_fields=False,
            create_answer_tasks=True,
            offer_reasons=(
                "UnfulfilledRole",
                "UnfulfilledConstraint",
                "NoCorrespondingReservationFound",
                "InsufficientCpus",
                "InsufficientMemory",
                "InsufficientDisk",
                "InsufficientGpus",
                "InsufficientPorts",
            ),
            unknown_route_message="URI not found: {path}",
            proxy_refused_status=503,
            security_headers=False,
            instance_created_condition="Created",
            default_max_launch_delay=3600,
        ),
        "1.10": MarathonProfile(
            version="1.10",
            no_leader_status=502,
            task_id_template="{app}.instance-{uuid}._app.1",
            release="1.10.26",
            buildref="90619da70d79a2ecf19368a21c6a695ea981bd74",
            offer_reasons=(
                "UnfulfilledRole",
                "UnfulfilledConstraint",
                "NoCorrespondingReservationFound",
                "AgentMaintenance",
                "InsufficientCpus",
                "InsufficientMemory",
                "InsufficientDisk",
                "InsufficientGpus",
                "InsufficientPorts",
                "DeclinedScarceResources",
            ),
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
