"""AppSpec and AppPatch → Marathon JSON, for one account (pure).

Every definition asgard sends carries the account's owner constraint
(``["owner", "LIKE", "<owner as an escaped regex>"]``) exactly once; a constraint on the field
``owner`` naming anything else is refused before any request. The cluster-wide account adds no
pin. Ids go out absolute (``"/web"`` of namespace ``dev`` is ``"/dev/web"``), dependencies too.
Server-owned fields (``version``, ``versionInfo``, counts, ``deployments``, ...) are never
sent: a ``version`` in a ``PUT`` body would turn the update into a rollback.

Choices, each valid on Marathon 1.4 and 1.10 alike:

- ``image`` becomes ``{"type": "DOCKER", "docker": {"image": ...}}`` with **no network
  field at all**. Host networking is the default of both: Marathon 1.4 leaves
  ``docker.network`` unset, which Mesos takes as ``HOST``; Marathon 1.5+ fills in
  ``networks: [{"mode": "host"}]`` when none is given. ``networks`` would be an unknown field
  to 1.4, and ``container.docker.network: "HOST"`` is deprecated from 1.5 (and an error when
  mixed with ``networks``), so the body that names neither is the one both read the same way.
  A patch that sets ``image`` also sends ``networks: [{"mode": "host"}]`` so that 1.5+ leaves
  a previous bridge or container network (1.4 ignores the field).
- env secret references are Marathon's ``{"secret": "<name>"}``, where ``<name>`` is a key of
  the app's top-level ``secrets`` map (Marathon refuses a reference to an undeclared secret).
  A name that ``extra["secrets"]`` does not declare is declared with itself as its source
  (``{"<name>": {"source": "<name>"}}``), so a bare reference works; declare it in
  ``extra["secrets"]`` to use another source.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

import attrs

from asgard.account import Account
from asgard.errors import InvalidInputError
from asgard.models import App, AppPatch, AppSpec, HealthCheck, HealthCheckProtocol, Unset
from asgard.models._checks import SERVER_OWNED_KEYS

__all__ = [
    "HOST_NETWORK",
    "app_body",
    "apply_patch",
    "docker_container",
    "health_check_body",
    "holds_owner_pin",
    "patch_body",
    "patch_needs_replace",
    "pinned_constraints",
    "rollback_body",
]

HOST_NETWORK: Final[Mapping[str, str]] = MappingProxyType({"mode": "host"})
"""Marathon 1.5+'s host network (``networks: [HOST_NETWORK]``), the default of every app."""

_NEVER_SENT: Final = SERVER_OWNED_KEYS | {"id", "version", "constraints", "dependencies"}


def _owner_pin(account: Account) -> list[str] | None:
    return None if account.is_cluster_wide else list(account.owner_constraint)


def holds_owner_pin(constraints: Iterable[Sequence[str]], account: Account) -> bool:
    """Whether ``constraints`` hold the account's owner pin exactly (always, cluster-wide)."""
    pin = _owner_pin(account)
    return pin is None or any(list(constraint) == pin for constraint in constraints)


def pinned_constraints(constraints: Iterable[Sequence[str]], account: Account) -> list[list[str]]:
    """The constraints as Marathon lists, with the owner pin present exactly once.

    Raises:
        InvalidInputError: when a constraint on the field ``owner`` is not the account's pin.
    """
    pin = _owner_pin(account)
    result: list[list[str]] = []
    for constraint in constraints:
        item = list(constraint)
        if pin is not None and item and item[0] == "owner":
            if item != pin:
                raise InvalidInputError(
                    f"constraint {item!r} on the field 'owner' is not allowed: the account's "
                    f"apps run on its own agents, pinned by {pin!r}"
                )
            continue
        if item not in result:
            result.append(item)
    if pin is not None:
        result.append(pin)
    return result


def docker_container(image: str) -> dict[str, Any]:
    """The container of ``AppSpec.image``: Docker, host networking by omission (see above)."""
    return {"type": "DOCKER", "docker": {"image": image}}


def health_check_body(check: HealthCheck) -> dict[str, Any]:
    """One :class:`~asgard.models.HealthCheck` as Marathon's JSON (``extra`` merged in)."""
    body: dict[str, Any] = {"protocol": check.protocol.value}
    if check.path is not None:
        body["path"] = check.path
    if check.port_index is not None:
        body["portIndex"] = check.port_index
    if check.protocol is HealthCheckProtocol.COMMAND and check.command is not None:
        body["command"] = {"value": check.command}
    body["gracePeriodSeconds"] = check.grace_period_seconds
    body["intervalSeconds"] = check.interval_seconds
    body["timeoutSeconds"] = check.timeout_seconds
    body["maxConsecutiveFailures"] = check.max_consecutive_failures
    for key, value in check.extra.items():
        body.setdefault(key, copy.deepcopy(value))
    return body


def _env(env: Mapping[str, str | Mapping[str, str]]) -> tuple[dict[str, Any], list[str]]:
    body: dict[str, Any] = {}
    secrets: list[str] = []
    for name, value in env.items():
        if isinstance(value, str):
            body[name] = value
        else:
            body[name] = {"secret": value["secret"]}
            secrets.append(value["secret"])
    return body, secrets


def _declare_secrets(
    body: dict[str, Any], names: Sequence[str], declared: object, *, always: bool
) -> None:
    """Put the ``secrets`` map into ``body``, declaring every referenced name."""
    if declared is None:
        declared = {}
    if not isinstance(declared, Mapping):
        raise InvalidInputError(
            "extra['secrets'] must be a mapping of secret names to {'source': ...}"
        )
    secrets = copy.deepcopy(dict(declared))
    for name in names:
        secrets.setdefault(name, {"source": name})
    if secrets or always:
        body["secrets"] = secrets


def _is_host_networks(value: object) -> bool:
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)) or len(value) != 1:
        return False
    item = value[0]
    return isinstance(item, Mapping) and dict(item) == HOST_NETWORK


def _check_host_only(extra: Mapping[str, Any]) -> None:
    networks = extra.get("networks")
    if networks is not None and not _is_host_networks(networks):
        raise InvalidInputError(
            "extra['networks'] must be host networking when image is set: leave image None "
            "and put the whole container in extra for other networks"
        )
    if extra.get("ipAddress") is not None:
        raise InvalidInputError(
            "extra['ipAddress'] (IP per task) does not go with image, which means host "
            "networking: leave image None and put the whole container in extra"
        )


def _merge_extra(body: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if key in _NEVER_SENT or key in body:
            # AppSpec and AppPatch refuse these keys already: never let one through anyway.
            raise InvalidInputError(f"extra must not hold {key!r}")
        # A copy: whoever keeps or changes the body never changes the (frozen) spec.
        body[key] = copy.deepcopy(value)


def app_body(spec: AppSpec, account: Account) -> dict[str, Any]:
    """The full Marathon definition of ``spec`` for ``account``.

    For ``POST /v2/apps`` and ``PUT /v2/apps/<id>?partialUpdate=false``. Every modelled
    field is sent, empty ones too, because a full replacement resets what it does not say
    (``portDefinitions: []`` in particular: Marathon's default is one port).

    Raises:
        InvalidInputError: on a constraint on ``owner`` other than the account's pin, a
            non-host ``networks`` or an ``ipAddress`` in ``extra`` while ``image`` is set, or an
            ``extra['secrets']`` that is not a mapping.
    """
    env, secret_names = _env(spec.env)
    body: dict[str, Any] = {
        "id": account.marathon_app_id(spec.id),
        "instances": spec.instances,
        "cpus": spec.cpus,
        "mem": spec.mem,
        "disk": spec.disk,
        "gpus": spec.gpus,
    }
    if spec.cmd is not None:
        body["cmd"] = spec.cmd
    if spec.args is not None:
        body["args"] = list(spec.args)
    if spec.image is not None:
        _check_host_only(spec.extra)
        body["container"] = docker_container(spec.image)
    body["env"] = env
    body["labels"] = dict(spec.labels)
    body["constraints"] = pinned_constraints(spec.constraints, account)
    body["portDefinitions"] = [{"port": port} for port in spec.ports]
    body["healthChecks"] = [health_check_body(check) for check in spec.health_checks]
    body["dependencies"] = [account.marathon_app_id(dep) for dep in spec.dependencies]
    extra = dict(spec.extra)
    declared = extra.pop("secrets", None)
    _merge_extra(body, extra)
    _declare_secrets(body, secret_names, declared, always="secrets" in spec.extra)
    return body


# -- patches ----------------------------------------------------------------------------------


def patch_needs_replace(patch: AppPatch) -> bool:
    """Whether Marathon's partial update cannot express ``patch``.

    A partial update keeps ``cmd`` and ``container`` when they are absent or null (1.4 and
    1.10 alike), so ``cmd=None`` and ``image=None`` cannot remove them: such a patch is applied
    as read, :func:`apply_patch`, then a full replacement.
    """
    return patch.cmd is None or patch.image is None


def patch_body(patch: AppPatch, account: Account) -> dict[str, Any]:
    """The ``PATCH /v2/apps/<id>`` body of ``patch``: only the fields it sets.

    Clearing goes through Marathon's empty value of each field, which a partial update
    applies as given: ``args=None`` → ``"args": []``; ``env``/``labels`` → ``{}``;
    ``constraints`` → only the owner pin (it is never removed); ``ports`` → ``[]``;
    ``health_checks`` and ``dependencies`` → ``[]``. ``cmd=None`` and ``image=None`` have no
    such value (see :func:`patch_needs_replace`). A patch of ``env`` with secret references
    declares them only in the ``secrets`` of its own ``extra``: sending a ``secrets`` map would
    replace the app's whole map.

    Raises:
        InvalidInputError: when the patch needs a full replacement, on a constraint on
            ``owner`` other than the account's pin, or a non-host network with an ``image``.
    """
    if patch_needs_replace(patch):
        raise InvalidInputError(
            "Marathon's partial update cannot remove cmd or the container: apply this patch "
            "to the current definition and replace it"
        )
    body: dict[str, Any] = {}
    for name in ("instances", "cpus", "mem", "disk", "gpus", "cmd"):
        value = getattr(patch, name)
        if not isinstance(value, Unset):
            body[name] = value
    if not isinstance(patch.args, Unset):
        body["args"] = [] if patch.args is None else list(patch.args)
    extra: dict[str, Any] = {} if isinstance(patch.extra, Unset) else dict(patch.extra)
    if isinstance(patch.image, str):
        _check_host_only(extra)
        body["container"] = docker_container(patch.image)
        body["networks"] = [dict(HOST_NETWORK)]
        extra.pop("networks", None)
    secret_names: list[str] = []
    if not isinstance(patch.env, Unset):
        body["env"], secret_names = _env(patch.env)
    if not isinstance(patch.labels, Unset):
        body["labels"] = dict(patch.labels)
    if not isinstance(patch.constraints, Unset):
        body["constraints"] = pinned_constraints(patch.constraints, account)
    if not isinstance(patch.ports, Unset):
        body["portDefinitions"] = [{"port": port} for port in patch.ports]
    if not isinstance(patch.health_checks, Unset):
        body["healthChecks"] = [health_check_body(check) for check in patch.health_checks]
    if not isinstance(patch.dependencies, Unset):
        body["dependencies"] = [account.marathon_app_id(dep) for dep in patch.dependencies]
    if "secrets" in extra:
        declared = extra.pop("secrets")
        _merge_extra(body, extra)
        _declare_secrets(body, secret_names, declared, always=True)
    else:
        _merge_extra(body, extra)
    return body


def apply_patch(spec: AppSpec, patch: AppPatch) -> AppSpec:
    """``spec`` with ``patch`` applied, for the read-modify-write of :func:`patch_needs_replace`.

    ``extra`` is merged key by key (a patched key replaces the whole field, as Marathon's
    partial update does); a new ``image`` drops the ``container``, ``networks`` and
    ``ipAddress`` kept in ``extra`` (the image means a plain Docker container on host
    networking) unless the patch's own ``extra`` gives them.

    Raises:
        InvalidInputError: when the result breaks an :class:`~asgard.models.AppSpec` rule
            (``cmd`` and ``args`` both set, for example).
    """
    changes: dict[str, Any] = {}
    for name, value in patch.changed_values().items():
        if name != "extra":
            changes[name] = value
    extra = dict(spec.extra)
    if not isinstance(patch.extra, Unset):
        extra.update(patch.extra)
    if isinstance(patch.image, str):
        patched = {} if isinstance(patch.extra, Unset) else patch.extra
        for key in ("container", "networks", "ipAddress"):
            if key not in patched:
                extra.pop(key, None)
    changes["extra"] = extra
    return attrs.evolve(spec, **changes)


# -- rollback ---------------------------------------------------------------------------------


def rollback_body(definition: App, version: str, account: Account) -> dict[str, Any]:
    """What a rollback to ``version`` sends, given the app's definition at that version.

    When that definition holds the account's owner pin (always, cluster-wide), Marathon can
    restore it by itself: ``{"version": version}``. Otherwise the stored definition is sent
    whole with the pin added, so the rolled-back app cannot leave the account's agents.

    Raises:
        InvalidInputError: when the stored definition cannot be sent again as an
            :class:`~asgard.models.AppSpec` (for example ``cmd`` and ``args`` both set), or
            holds a constraint on ``owner`` naming someone else.
    """
    if holds_owner_pin(definition.constraints, account):
        return {"version": version}
    return app_body(definition.to_spec(), account)
