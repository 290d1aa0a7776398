"""Apps: what runs, what a user deploys and what a user changes.

:class:`App` is the read model, :class:`AppSpec` the full definition a user deploys and
:class:`AppPatch` a partial change.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

from asgard.errors import InvalidInputError
from asgard.models import _checks
from asgard.models._util import EMPTY_MAPPING, UNSET, Unset, redact_values
from asgard.models.health import (
    HealthCheck,
    _convert_health_checks,
    _convert_patch_health_checks,
)
from asgard.models.task import Task, TaskFailure

__all__ = ["App", "AppPatch", "AppSpec", "AppStatus"]


class AppStatus(enum.Enum):
    """What an app is doing, judged from the app alone."""

    RUNNING = "running"
    """No deployment touches it and it has instances."""
    DEPLOYING = "deploying"
    """A deployment is changing it."""
    SUSPENDED = "suspended"
    """It is scaled to zero instances, with nothing running."""


def _status(app: App) -> AppStatus:
    if app.deployment_ids:
        return AppStatus.DEPLOYING
    if app.instances == 0 and app.tasks_running == 0:
        return AppStatus.SUSPENDED
    return AppStatus.RUNNING


_NOT_IN_SPEC_EXTRA = (
    frozenset(_checks.MODELLED_KEYS) | _checks.SERVER_OWNED_KEYS | {"id", "version"}
)


@attrs.frozen(kw_only=True)
class App:
    """An app as the orchestrator runs it (a read model: backends build it).

    Attributes:
        id: the app id, relative to the account's namespace (absolute for the cluster-wide
            account).
        instances: how many tasks it should run.
        cpus: CPU shares per task.
        mem: memory per task, in MiB.
        disk: disk per task, in MiB.
        gpus: GPUs per task.
        cmd: its shell command, if any.
        args: its argv, if any.
        image: its Docker image when its container is a plain Docker image on host
            networking; None otherwise (a richer container is in ``extra["container"]``).
        env: its environment: names → strings or secret references ``{"secret": name}``,
            read-only; the repr shows the names only.
        labels: its labels, read-only.
        constraints: its placement constraints, each ``(field, operator[, value])``.
        ports: its port definitions (0: any free port).
        health_checks: its health checks.
        version: the version of its definition (a timestamp string).
        tasks_running: how many tasks run.
        tasks_staged: how many tasks are being staged.
        tasks_healthy: how many tasks pass their health checks.
        tasks_unhealthy: how many tasks fail them.
        deployment_ids: the ids of the deployments changing it.
        status: an :class:`AppStatus`; computed from ``deployment_ids``, ``instances`` and
            ``tasks_running`` when not given.
        dependencies: the apps it depends on, relative ids.
        last_task_failure: the last task of it that failed, when the server remembers one.
        tasks: its tasks, or None when they were not fetched.
        extra: the writable server fields asgard does not model, by their server names,
            read-only and hidden from the repr, so :meth:`to_spec` loses nothing.
            Server-owned read-only fields are never in it.
    """

    id: str
    instances: int
    cpus: float
    mem: float
    disk: float = 0.0
    gpus: int = 0
    cmd: str | None = None
    args: tuple[str, ...] | None = None
    image: str | None = None
    env: Mapping[str, str | Mapping[str, str]] = attrs.field(
        default=EMPTY_MAPPING, repr=redact_values, hash=False
    )
    labels: Mapping[str, str] = attrs.field(default=EMPTY_MAPPING, hash=False)
    constraints: tuple[tuple[str, ...], ...] = ()
    ports: tuple[int, ...] = ()
    health_checks: tuple[HealthCheck, ...] = ()
    version: str
    tasks_running: int = 0
    tasks_staged: int = 0
    tasks_healthy: int = 0
    tasks_unhealthy: int = 0
    deployment_ids: tuple[str, ...] = ()
    status: AppStatus = attrs.field(default=attrs.Factory(_status, takes_self=True))
    dependencies: tuple[str, ...] = ()
    last_task_failure: TaskFailure | None = None
    tasks: tuple[Task, ...] | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY_MAPPING, repr=False, hash=False)

    def to_spec(self) -> AppSpec:
        """The :class:`AppSpec` that deploys this app again, as it is.

        Read-modify-write goes ``app.to_spec()`` → ``attrs.evolve(spec, ...)`` →
        ``apps.update(spec)``. ``extra`` is kept; server-owned fields (``version``, counts,
        deployments, ...) are dropped, and so is ``extra["container"]`` when ``image`` stands
        for the container.

        Raises:
            InvalidInputError: when the app's definition breaks an :class:`AppSpec` rule
                (for example zero CPUs), which only a server-side change can cause.
        """
        extra = {
            key: value
            for key, value in self.extra.items()
            if key not in _NOT_IN_SPEC_EXTRA and not (key == "container" and self.image is not None)
        }
        return AppSpec(
            id=self.id,
            instances=self.instances,
            cpus=self.cpus,
            mem=self.mem,
            disk=self.disk,
            gpus=self.gpus,
            cmd=self.cmd,
            args=self.args,
            image=self.image,
            env=self.env,
            labels=self.labels,
            constraints=self.constraints,
            ports=self.ports,
            health_checks=self.health_checks,
            dependencies=self.dependencies,
            extra=extra,
        )


def _check_cmd_args(cmd: object, args: object) -> None:
    unset = isinstance(cmd, Unset) or isinstance(args, Unset)
    if cmd is not None and args is not None and not unset:
        raise InvalidInputError(
            "cmd and args are exclusive: give a shell command in cmd, or an argv in args"
        )


def _check_container(image: object, extra: Mapping[str, Any] | Unset) -> None:
    if isinstance(image, str) and not isinstance(extra, Unset):
        _checks.reject_keys("extra", extra, image_set=True)


@attrs.frozen(kw_only=True)
class AppSpec:
    """What a user deploys: an app definition, checked before any request is sent.

    ``image`` makes a Docker container on host networking; for anything richer (port
    mappings, volumes, bridge networks) leave ``image`` None and put the whole ``container``
    in ``extra``. Lists are accepted wherever a tuple is stored; mappings are stored
    read-only. The account's owner constraint is added by the backend when it sends the
    definition.

    Args:
        id: the app id, relative to the account's namespace (``"web"`` and ``"/web"`` are
            the same app; stored as ``"/web"``).
        instances: how many tasks to run, at least 0.
        cpus: CPU shares per task, more than 0.
        mem: memory per task in MiB, more than 0.
        disk: disk per task in MiB, at least 0.
        gpus: GPUs per task, a whole number of at least 0.
        cmd: a shell command; exclusive with ``args``.
        args: an argv (a list of strings); exclusive with ``cmd``.
        image: a Docker image name, or None.
        env: environment names → strings or secret references ``{"secret": "<name>"}``;
            the repr shows the names only.
        labels: strings → strings.
        constraints: each ``(field, operator)`` or ``(field, operator, value)``, with an
            operator Marathon knows.
        ports: port definitions, 0..65535 (0: any free port).
        health_checks: :class:`~asgard.models.HealthCheck` objects.
        dependencies: ids of apps of the same account this one depends on; normalised.
        extra: other Marathon fields by their Marathon names, sent as given; hidden from the
            repr.

    Raises:
        InvalidInputError: when any value breaks those rules, and when ``extra`` holds a key
            that a field models (``instances``, ``portDefinitions``, ``healthChecks``, ...),
            that touches identity (``id``, ``version``, ``constraints``, ``dependencies``,
            ``container`` when ``image`` is set) or that the server owns (``tasksRunning``,
            ``deployments``, ...).
    """

    id: str = attrs.field(converter=_checks.app_id)
    instances: int = attrs.field(default=1, converter=_checks.instances)
    cpus: float = attrs.field(converter=_checks.cpus)
    mem: float = attrs.field(converter=_checks.mem)
    disk: float = attrs.field(default=0, converter=_checks.disk)
    gpus: int = attrs.field(default=0, converter=_checks.gpus)
    cmd: str | None = attrs.field(default=None, converter=_checks.cmd)
    args: tuple[str, ...] | None = attrs.field(default=None, converter=_checks.args)
    image: str | None = attrs.field(default=None, converter=_checks.image)
    env: Mapping[str, str | Mapping[str, str]] = attrs.field(
        default=EMPTY_MAPPING, converter=_checks.env, repr=redact_values, hash=False
    )
    labels: Mapping[str, str] = attrs.field(
        default=EMPTY_MAPPING, converter=_checks.labels, hash=False
    )
    constraints: tuple[tuple[str, ...], ...] = attrs.field(
        default=(), converter=_checks.constraints
    )
    ports: tuple[int, ...] = attrs.field(default=(), converter=_checks.ports)
    health_checks: tuple[HealthCheck, ...] = attrs.field(
        default=(), converter=_convert_health_checks
    )
    dependencies: tuple[str, ...] = attrs.field(default=(), converter=_checks.dependencies)
    extra: Mapping[str, Any] = attrs.field(
        default=EMPTY_MAPPING, converter=_checks.extra, repr=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        _check_cmd_args(self.cmd, self.args)
        _check_container(self.image, self.extra)
        if self.id in self.dependencies:
            raise InvalidInputError(f"app {self.id!r} must not depend on itself")


@attrs.frozen(kw_only=True, repr=False)
class AppPatch:
    """A partial change of an app: only the fields given change (``apps.patch``).

    Every field is one of :class:`AppSpec` (except ``id``), checked by the same rules, and
    defaults to ``UNSET``, which leaves it unchanged. ``None`` is a value:
    ``AppPatch(cmd=None)`` removes the command. :attr:`changed_fields` lists what the patch
    sets.

    Raises:
        InvalidInputError: when a value breaks an :class:`AppSpec` rule, when ``cmd`` and
            ``args`` are both set to something, when ``extra`` holds a refused key
            (``container`` too when the patch sets an ``image``), or when the patch changes
            nothing.
    """

    instances: int | Unset = attrs.field(default=UNSET, converter=_checks.p_instances)
    cpus: float | Unset = attrs.field(default=UNSET, converter=_checks.p_cpus)
    mem: float | Unset = attrs.field(default=UNSET, converter=_checks.p_mem)
    disk: float | Unset = attrs.field(default=UNSET, converter=_checks.p_disk)
    gpus: int | Unset = attrs.field(default=UNSET, converter=_checks.p_gpus)
    cmd: str | Unset | None = attrs.field(default=UNSET, converter=_checks.p_cmd)
    args: tuple[str, ...] | Unset | None = attrs.field(default=UNSET, converter=_checks.p_args)
    image: str | Unset | None = attrs.field(default=UNSET, converter=_checks.p_image)
    env: Mapping[str, str | Mapping[str, str]] | Unset = attrs.field(
        default=UNSET, converter=_checks.p_env, hash=False
    )
    labels: Mapping[str, str] | Unset = attrs.field(
        default=UNSET, converter=_checks.p_labels, hash=False
    )
    constraints: tuple[tuple[str, ...], ...] | Unset = attrs.field(
        default=UNSET, converter=_checks.p_constraints
    )
    ports: tuple[int, ...] | Unset = attrs.field(default=UNSET, converter=_checks.p_ports)
    health_checks: tuple[HealthCheck, ...] | Unset = attrs.field(
        default=UNSET, converter=_convert_patch_health_checks
    )
    dependencies: tuple[str, ...] | Unset = attrs.field(
        default=UNSET, converter=_checks.p_dependencies
    )
    extra: Mapping[str, Any] | Unset = attrs.field(
        default=UNSET, converter=_checks.p_extra, hash=False
    )

    def __attrs_post_init__(self) -> None:
        if not self.changed_fields:
            raise InvalidInputError("an AppPatch must change at least one field")
        _check_cmd_args(self.cmd, self.args)
        _check_container(self.image, self.extra)

    @property
    def changed_fields(self) -> tuple[str, ...]:
        """The names of the fields this patch sets, in declaration order."""
        return tuple(
            field.name
            for field in attrs.fields(AppPatch)
            if not isinstance(getattr(self, field.name), Unset)
        )

    def changed_values(self) -> Mapping[str, object]:
        """The fields this patch sets, name → value (read-only, in declaration order)."""
        return MappingProxyType({name: getattr(self, name) for name in self.changed_fields})

    def __repr__(self) -> str:
        parts = []
        for name in self.changed_fields:
            value = getattr(self, name)
            if name == "env":
                parts.append(f"env={redact_values(value)}")
            elif name == "extra":
                parts.append("extra=<hidden>")
            else:
                parts.append(f"{name}={value!r}")
        return f"AppPatch({', '.join(parts)})"
