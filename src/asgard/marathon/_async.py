"""The async Marathon apps backend (sequencing only; ``_sync.py`` is generated from it)."""

from __future__ import annotations

import builtins
import contextlib
import time
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import ClassVar

from asgard._acompat import asleep
from asgard._backend._async import AsyncBackendCore
from asgard._http._dialect import MARATHON, Dialect
from asgard._http._policy import (
    Reply,
)
from asgard.account import Account
from asgard.backends import Capability
from asgard.errors import (
    BackendError,
    BackendUnavailableError,
    DeploymentFailedError,
    DeploymentSupersededError,
    InvalidInputError,
    MalformedResponseError,
    NotFoundError,
    WaitTimeoutError,
)
from asgard.marathon import _parse, _requests, _serialize, _wait
from asgard.marathon._args import (
    DEFAULT_EVENT_IDLE_TIMEOUT,
    check_deployment,
    check_event_types,
    check_idle_timeout,
    check_spec,
    check_wait_args,
    deployment_header,
    leader_header,
    now_utc,
)
from asgard.marathon._events import EventTranslator, server_event_types
from asgard.marathon._sse import SseDecoder
from asgard.models import (
    App,
    AppPatch,
    AppSpec,
    ClusterInfo,
    Deployment,
    Event,
    QueueEntry,
    StreamReconnected,
    Task,
)

__all__ = ["AsyncMarathonAppsBackend"]

monotonic = time.monotonic
# A reopened event stream that ends sooner than this without an event counts as a failure.
_QUICK_CLOSE = 0.5


_REMEMBERED = 512  # deployments started by writes, kept for wait(id)


class AsyncMarathonAppsBackend(AsyncBackendCore):
    """The account's Marathon apps: their whole lifecycle, deployments and events (async).

    App ids are relative to the account's namespace (``"/web"`` is Marathon's ``/dev/web``);
    every definition sent carries the owner constraint that keeps the account's apps on its
    agents. A standby Marathon proxies to the leader; the event stream, which a standby
    redirects, is reopened at the leader by hand so credentials stay with the configured
    servers.

    Args:
        servers: the Marathon instances' base URLs (a path prefix is allowed, as on DC/OS).
        account: the account; its apps live under ``/<namespace>/``.
        auth, timeout, verify, cert, max_concurrency, read_retries, client: as every backend.

    Raises:
        InvalidInputError: for any bad option, before anything is sent.
    """

    backend_name: ClassVar[str] = "marathon"
    dialect: ClassVar[Dialect] = MARATHON

    def _init_state(self) -> None:
        # the deployments this backend's writes started, so wait(id) can judge them: id →
        # (the account that wrote, the deployment, the apps it deletes); views share it
        self._started: OrderedDict[str, tuple[Account, Deployment, frozenset[str]]] = OrderedDict()
        self._event_idle_timeout: float | None = DEFAULT_EVENT_IDLE_TIMEOUT

    def _remember(self, deployment: Deployment, deletes: Iterable[str] = ()) -> Deployment:
        """Keep what a write started (the last few hundred), for ``wait(id)``."""
        self._started[deployment.id] = (self._account, deployment, frozenset(deletes))
        self._started.move_to_end(deployment.id)
        while len(self._started) > _REMEMBERED:
            self._started.popitem(last=False)
        return deployment

    def _started_here(self, deployment_id: str) -> tuple[Deployment | None, frozenset[str]]:
        """What this account's writes know of a deployment: ``(deployment, apps it deletes)``."""
        found = self._started.get(deployment_id)
        if found is None or found[0] != self._account:
            return None, frozenset()
        return found[1], found[2]

    @property
    def event_idle_timeout(self) -> float | None:
        """Seconds of silence after which an event stream is taken for dead and reopened.

        Marathon writes a keep-alive on an idle stream every 10 s or so, so a connection
        silent for this long (default 30 s) was lost without a word (a dead peer, a NAT that
        forgot it); the stream is reopened and a ``StreamReconnected`` yielded. None waits
        forever. Views made by ``for_account`` start with this backend's value.

        Raises:
            InvalidInputError: when set to something other than a positive number or None.
        """
        return self._event_idle_timeout

    @event_idle_timeout.setter
    def event_idle_timeout(self, seconds: float | None) -> None:
        self._event_idle_timeout = check_idle_timeout(seconds)

    @property
    def capabilities(self) -> frozenset[Capability]:
        """``QUEUE``, ``EVENTS``, ``KILL_AND_SCALE``, ``WIPE`` and ``SERVER_ROLLBACK``."""
        return frozenset(
            {
                Capability.QUEUE,
                Capability.EVENTS,
                Capability.KILL_AND_SCALE,
                Capability.WIPE,
                Capability.SERVER_ROLLBACK,
            }
        )

    # -- plumbing ------------------------------------------------------------------------------

    async def _call(self, request: _requests.Request) -> Reply:
        return await self._session.request(
            request.method, request.path, params=request.params or None, json=request.json
        )

    async def _app_call(
        self, request: _requests.Request, app_id: str, *, what: str = "app {app_id!r}"
    ) -> Reply:
        """A call about one app, whose 404 says what (as the account names it) is absent."""
        try:
            return await self._call(request)
        except NotFoundError as exc:
            raise NotFoundError(
                f"{what.format(app_id=app_id)} not found", server_message=exc.server_message
            ) from None

    def _ids(self, app_id: str) -> tuple[str, str]:
        """``(relative id, Marathon id)`` of a user-given app id, checked before any request."""
        return self._account.normalize_app_id(app_id), self._account.marathon_app_id(app_id)

    def _deployment(
        self, reply: Reply, app_ids: Iterable[str], *, deletes: Iterable[str] = ()
    ) -> Deployment:
        header, ids = deployment_header(reply), tuple(app_ids)
        return self._remember(
            reply.applied(lambda payload: _parse.write_result(payload, app_ids=ids, header=header)),
            deletes,
        )

    def _killed(self, reply: Reply, app_id: str) -> Deployment | None:
        header = deployment_header(reply)
        started = reply.applied(
            lambda payload: _parse.kill_result(payload, app_ids=(app_id,), header=header)
        )
        return None if started is None else self._remember(started)

    # -- reads ---------------------------------------------------------------------------------

    async def list(self, *, with_tasks: bool = False) -> builtins.list[App]:
        """The account's apps, in one request; an empty or absent namespace gives ``[]``.

        Raises:
            BackendError: a subclass, when Marathon cannot answer.
            MalformedResponseError: on a 404 that does not say the namespace is absent (a
                proxy's page: the URL may not lead to Marathon).
            TenancyViolationError: when Marathon answers with an app outside the namespace.
        """
        request = _requests.list_apps(self._account, with_tasks=with_tasks)
        try:
            reply = await self._call(request)
        except NotFoundError as exc:
            if _parse.is_missing_group(exc.server_message):
                return []
            said = exc.server_message or "no message"
            raise MalformedResponseError(
                f"the app listing ({request.path}) was answered 404 without saying that the "
                f"namespace is absent ({said}): does the URL lead to Marathon?",
                backend="marathon",
                method=request.method,
                status=404,
            ) from None
        return _parse.apps_from(reply.json(), self._account, with_tasks=with_tasks)

    async def get(self, app_id: str, *, with_tasks: bool = False) -> App:
        """One of the account's apps.

        Raises:
            InvalidInputError: on an id that could leave the namespace or Marathon refuses.
            NotFoundError: when the app does not exist.
        """
        relative, full = self._ids(app_id)
        reply = await self._app_call(_requests.get_app(full, with_tasks=with_tasks), relative)
        return _parse.app_from(reply.json(), self._account, with_tasks=with_tasks)

    async def tasks(self, app_id: str) -> builtins.list[Task]:
        """The app's tasks.

        Raises:
            InvalidInputError: on a bad id.
            NotFoundError: when the app does not exist.
        """
        relative, full = self._ids(app_id)
        reply = await self._app_call(_requests.app_tasks(full), relative)
        return _parse.tasks_from(reply.json(), self._account, app_id=full)

    async def versions(self, app_id: str) -> builtins.list[str]:
        """The app's stored versions, newest first.

        Raises:
            InvalidInputError: on a bad id.
            NotFoundError: when the app does not exist.
        """
        relative, full = self._ids(app_id)
        reply = await self._app_call(_requests.app_versions(full), relative)
        return _parse.versions_from(reply.json())

    async def get_version(self, app_id: str, version: str) -> App:
        """The app's definition at a stored version.

        Raises:
            InvalidInputError: on a bad id or a version that is not a timestamp.
            NotFoundError: when the app or the version does not exist.
        """
        relative, full = self._ids(app_id)
        try:
            reply = await self._call(_requests.app_version(full, version))
        except NotFoundError as exc:
            raise NotFoundError(
                f"version {version!r} of app {relative!r} not found",
                server_message=exc.server_message,
            ) from None
        return _parse.app_definition_from(reply.json(), self._account)

    async def deployments(self) -> builtins.list[Deployment]:
        """The running deployments that touch the account's apps (only its app ids shown).

        Raises:
            BackendError: a subclass, when Marathon cannot answer.
        """
        return [found.deployment for found in await self._listed()]

    async def _listed(self) -> builtins.list[_parse.VisibleDeployment]:
        reply = await self._call(_requests.list_deployments())
        return _parse.deployments_from(reply.json(), self._account)

    async def queue(self) -> builtins.list[QueueEntry]:
        """The account's apps waiting for offers: count, delay left, declined offers by reason.

        Raises:
            BackendError: a subclass, when Marathon cannot answer.
        """
        reply = await self._call(_requests.queue())
        return _parse.queue_from(reply.json(), self._account)

    async def info(self) -> ClusterInfo:
        """Marathon's name, version and leader URL.

        Raises:
            BackendError: a subclass, when Marathon cannot answer.
        """
        reply = await self._call(_requests.info())
        return _parse.cluster_info(reply.json(), leader_url=leader_header(reply))

    # -- writes --------------------------------------------------------------------------------

    async def create(self, spec: AppSpec) -> Deployment:
        """Create an app; returns the deployment that starts it.

        Raises:
            InvalidInputError: when ``spec`` is not an AppSpec or breaks the tenancy rules.
            ConflictError: when the app exists.
            WriteOutcomeUnknownError: when the reply was lost or could not be read (the app may
                exist now).
        """
        spec = check_spec(spec)
        body = _serialize.app_body(spec, self._account)
        reply = await self._call(_requests.create_app(body))
        return self._deployment(reply, [spec.id])

    async def update(self, spec: AppSpec, *, force: bool = False) -> Deployment:
        """Replace an app's whole definition with ``spec`` (what it does not say is reset).

        Read-modify-write goes ``app.to_spec()`` → ``attrs.evolve`` → ``update``.

        Raises:
            InvalidInputError: when ``spec`` is not an AppSpec or breaks the tenancy rules.
            NotFoundError: when the app does not exist (``update`` never creates).
            ConflictError: when a deployment locks the app and ``force`` is False.
            WriteOutcomeUnknownError: when the reply was lost or could not be read.
        """
        spec = check_spec(spec)
        relative, full = self._ids(spec.id)
        body = _serialize.app_body(spec, self._account)
        await self._app_call(_requests.get_app(full), relative)  # PUT would create it
        reply = await self._app_call(_requests.update_app(full, body, force=force), relative)
        return self._deployment(reply, [relative])

    async def patch(self, app_id: str, changes: AppPatch, *, force: bool = False) -> Deployment:
        """Change only the fields ``changes`` sets.

        Raises:
            InvalidInputError: on a bad id or patch.
            NotFoundError: when the app does not exist.
            ConflictError: when a deployment locks the app and ``force`` is False.
            WriteOutcomeUnknownError: when the reply was lost or could not be read.
        """
        if not isinstance(changes, AppPatch):
            raise InvalidInputError(f"changes must be an AppPatch, not {type(changes).__name__}")
        relative, full = self._ids(app_id)
        if _serialize.patch_needs_replace(changes):
            # Marathon's partial update cannot clear cmd or container: read, apply, replace.
            current = await self.get(relative)
            return await self.update(
                _serialize.apply_patch(current.to_spec(), changes), force=force
            )
        body = _serialize.patch_body(changes, self._account)
        reply = await self._app_call(_requests.patch_app(full, body, force=force), relative)
        return self._deployment(reply, [relative])

    async def scale(self, app_id: str, instances: int, *, force: bool = False) -> Deployment:
        """Scale an app (only ``instances`` is sent: no restart).

        Raises:
            InvalidInputError: on a bad id or a negative or non-integer count.
            NotFoundError: when the app does not exist.
            ConflictError: when a deployment locks the app and ``force`` is False.
            WriteOutcomeUnknownError: when the reply was lost or could not be read.
        """
        relative, full = self._ids(app_id)
        reply = await self._app_call(_requests.scale_app(full, instances, force=force), relative)
        return self._deployment(reply, [relative])

    async def restart(self, app_id: str, *, force: bool = False) -> Deployment:
        """Restart an app's tasks (a rolling restart to a new version of the same definition).

        Raises:
            InvalidInputError: on a bad id.
            NotFoundError: when the app does not exist.
            ConflictError: when a deployment locks the app and ``force`` is False.
            WriteOutcomeUnknownError: when the reply was lost or could not be read.
        """
        relative, full = self._ids(app_id)
        reply = await self._app_call(_requests.restart_app(full, force=force), relative)
        return self._deployment(reply, [relative])

    async def delete(self, app_id: str, *, force: bool = False) -> Deployment:
        """Delete an app (``force=false`` is sent unless asked: Marathon's default is force).

        Raises:
            InvalidInputError: on a bad id.
            NotFoundError: when the app does not exist.
            ConflictError: when a deployment locks the app and ``force`` is False.
            WriteOutcomeUnknownError: when the reply was lost or could not be read.
        """
        relative, full = self._ids(app_id)
        reply = await self._app_call(_requests.delete_app(full, force=force), relative)
        return self._deployment(reply, [relative], deletes=[relative])

    async def kill_tasks(
        self,
        app_id: str,
        task_ids: Iterable[str],
        *,
        scale: bool = False,
        wipe: bool = False,
    ) -> Deployment | None:
        """Kill some of an app's tasks (judged to be the app's from their ids, before sending).

        Returns:
            The deployment when ``scale`` started one, else None (Marathon replaces them).

        Raises:
            InvalidInputError: when a task is not the app's, ``task_ids`` is empty, or
                ``scale`` and ``wipe`` are both set.
            NotFoundError: when the app or a task does not exist.
            WriteOutcomeUnknownError: when the reply was lost or could not be read.
        """
        relative, full = self._ids(app_id)
        request = _requests.kill_tasks(full, task_ids, scale=scale, wipe=wipe, shown_as=relative)
        reply = await self._app_call(request, relative, what="app {app_id!r} or one of its tasks")
        return self._killed(reply, relative)

    async def kill_tasks_on_host(
        self, app_id: str, host: str, *, scale: bool = False
    ) -> Deployment | None:
        """Kill an app's tasks on one host (to drain an agent).

        Returns:
            The deployment when ``scale`` started one, else None.

        Raises:
            InvalidInputError: on a bad id or host.
            NotFoundError: when the app does not exist.
            WriteOutcomeUnknownError: when the reply was lost or could not be read.
        """
        relative, full = self._ids(app_id)
        reply = await self._app_call(
            _requests.kill_tasks_on_host(full, host, scale=scale), relative
        )
        return self._killed(reply, relative)

    async def cancel(
        self, deployment: Deployment | str, *, rollback: bool = True
    ) -> Deployment | None:
        """Cancel a deployment, rolling back what it did unless ``rollback`` is False.

        Returns:
            The rollback deployment, or None without rollback.

        Raises:
            NotFoundError: unless the deployment runs and every app it touches is the
                account's.
            WriteOutcomeUnknownError: when the reply was lost or could not be read.
        """
        deployment_id = check_deployment(deployment)
        found = _parse.find_deployment(await self._listed(), deployment_id)
        if found is None or not found.fully_owned:
            raise NotFoundError(f"deployment {deployment_id!r} not found")
        try:
            reply = await self._call(_requests.cancel_deployment(deployment_id, rollback=rollback))
        except NotFoundError:
            raise NotFoundError(f"deployment {deployment_id!r} not found") from None
        ids = found.deployment.app_ids
        started = reply.applied(lambda payload: _parse.cancel_result(payload, app_ids=ids))
        # the rollback deletes what the cancelled deployment created
        return None if started is None else self._remember(started, deletes=found.starts)

    async def rollback(self, app_id: str, version: str, *, force: bool = False) -> Deployment:
        """Go back to a stored version, keeping the app on the account's agents.

        When that version holds the owner pin, Marathon restores it (``{"version": v}``);
        otherwise its definition is sent with the pin added.

        Raises:
            InvalidInputError: on a bad id or version.
            NotFoundError: when the app or the version does not exist.
            ConflictError: when a deployment locks the app and ``force`` is False.
            WriteOutcomeUnknownError: when the reply was lost or could not be read.
        """
        relative, full = self._ids(app_id)
        definition = await self.get_version(relative, version)
        body = _serialize.rollback_body(definition, version, self._account)
        reply = await self._app_call(_requests.rollback_app(full, body, force=force), relative)
        return self._deployment(reply, [relative])

    async def reset_delay(self, app_id: str) -> None:
        """Launch a waiting app now instead of after its backoff delay.

        Raises:
            InvalidInputError: on a bad id.
            NotFoundError: when the app is not in the launch queue.
        """
        relative, full = self._ids(app_id)
        await self._app_call(
            _requests.reset_delay(full), relative, what="a launch delay of app {app_id!r}"
        )

    # -- waiting -------------------------------------------------------------------------------

    async def wait(
        self,
        deployment: Deployment | str,
        *,
        timeout: float = 600,
        poll_interval: float = 1.0,
        on_progress: Callable[[Deployment], object] | None = None,
    ) -> Deployment:
        """Wait until a deployment is over and its apps reached their target.

        Polls ``/v2/deployments`` and the apps: finished deployments vanish from Marathon,
        so the outcome is judged from the apps: their version and running tasks. An app
        that runs a newer version was changed again: Marathon stamps the rollback of a
        cancelled deployment with a new version too, so its stored definitions tell a
        rollback (back to the definition before the deployment) from another deployment
        (three more reads, only then). A forced change back to the previous definition
        reads as a rollback. ``on_progress`` is called at least once, and on each step
        observed.

        ``deployment`` may be an id: of a deployment Marathon lists, or of one a write of
        this backend started (it remembers the last few hundred).

        Raises:
            NotFoundError: when given an id of a deployment Marathon does not list and this
                backend did not start (finished, failed or unknown: nothing tells which).
            DeploymentFailedError: when the deployment was cancelled and rolled back.
            DeploymentSupersededError: when another deployment replaced it.
            WaitTimeoutError: when ``timeout`` seconds passed (it may still finish); carries
                the app's launch queue entry when Marathon waits for offers.
            BackendError: a subclass, when Marathon cannot answer.
        """
        deployment_id = check_deployment(deployment)
        check_wait_args(timeout, poll_interval)
        known, deletes = self._started_here(deployment_id)
        target = deployment if isinstance(deployment, Deployment) else known
        deadline = monotonic() + timeout
        reported: tuple[int | None, int | None] | None = None
        while True:
            listed = _parse.find_deployment(await self._listed(), deployment_id)
            if listed is not None:
                target = target or listed.deployment
                step = _wait.step_of(listed.deployment)
                if on_progress is not None and step != reported:
                    on_progress(listed.deployment)
                reported = step
            if target is None:
                # Gone before the first look, known only by its id: nothing left to judge it by.
                raise NotFoundError(
                    f"deployment {deployment_id!r} is not running and no write of this backend "
                    "started it: it finished, failed or never existed (wait() on the Deployment "
                    "a write returned can tell which)"
                )
            deleting = deletes
            if listed is not None:
                deleting = deleting | listed.stops
            apps = {} if listed is not None else await self._apps_now(target.app_ids)
            verdict = _wait.judge(target, listed, apps, deleting=deleting)
            if verdict.undecided:
                verdict = await self._why_newer(target, verdict, apps)
            if verdict.state == "failed":
                raise DeploymentFailedError(
                    f"deployment {deployment_id} failed: {verdict.reason}", deployment=target
                )
            if verdict.state == "superseded":
                raise DeploymentSupersededError(
                    f"deployment {deployment_id} was replaced: {verdict.reason}",
                    deployment=target,
                )
            if verdict.state == "done":
                break
            if monotonic() >= deadline:
                entries: builtins.list[QueueEntry] = []
                if Capability.QUEUE in self.capabilities:  # a subclass may not have one
                    with contextlib.suppress(BackendError):  # the timeout is the news
                        entries = await self.queue()
                raise WaitTimeoutError(
                    f"deployment {deployment_id} did not finish in {timeout:g} s "
                    f"({verdict.reason or 'still running'}); it may still finish",
                    deployment=listed.deployment if listed is not None else target,
                    queue_entry=_wait.queue_entry_for(entries, target.app_ids),
                )
            await asleep(poll_interval)
        if on_progress is not None and reported is None:
            on_progress(target)
        return target

    async def _why_newer(
        self, target: Deployment, verdict: _wait.Verdict, apps: dict[str, App | None]
    ) -> _wait.Verdict:
        """Rolled back or superseded: the app's stored definitions tell (a rollback is new too)."""
        app_id = verdict.app_id
        current = apps.get(app_id) if app_id is not None else None
        if app_id is None or current is None:
            return _wait.Verdict("superseded", verdict.reason, app_id)
        try:
            before = _wait.version_before(await self.versions(app_id), target.version)
        except NotFoundError:
            return _wait.Verdict("superseded", f"app {app_id!r} was deleted", app_id)
        at_target = await self._version_or_none(app_id, target.version)
        previous = None if before is None else await self._version_or_none(app_id, before)
        return _wait.replaced(app_id, current, at_target, previous)

    async def _version_or_none(self, app_id: str, version: str) -> App | None:
        try:
            return await self.get_version(app_id, version)
        except (NotFoundError, InvalidInputError):
            return None

    async def _apps_now(self, app_ids: Iterable[str]) -> dict[str, App | None]:
        found: dict[str, App | None] = {}
        for app_id in app_ids:
            try:
                found[app_id] = await self.get(app_id)
            except NotFoundError:
                found[app_id] = None
        return found

    # -- events --------------------------------------------------------------------------------

    def events(
        self, *, types: Iterable[type[Event]] | None = None
    ) -> AbstractAsyncContextManager[AsyncIterator[Event]]:
        """The account's events, as a context manager yielding an iterator.

        Follows the leader and reconnects; after each reconnect a ``StreamReconnected`` is
        yielded (events in between may be lost: re-list). Never a partial or duplicated event.

        Raises:
            InvalidInputError: when ``types`` holds something that is not an event class.
            BackendError: a subclass, when the stream cannot be opened, or reopened after a
                loss within the read retries.
        """
        wanted = check_event_types(types)
        return self._event_stream(wanted)

    @asynccontextmanager
    async def _event_stream(
        self, types: tuple[type[Event], ...] | None
    ) -> AsyncIterator[AsyncIterator[Event]]:
        translator = EventTranslator(self._account, types=types)
        request = _requests.events(server_event_types(types))
        async with AsyncExitStack() as stack:
            # The stream opens on entry, so no event after it is missed before iterating.
            first = await stack.enter_async_context(self._open_events(request))
            stream = self._events(request, translator, first)
            try:
                yield stream
            finally:
                await stream.aclose()

    def _open_events(
        self, request: _requests.Request
    ) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        return self._session.stream(
            request.path,
            params=request.params or None,
            accept=request.accept,
            idle_timeout=self._event_idle_timeout,
        )

    async def _events(
        self,
        request: _requests.Request,
        translator: EventTranslator,
        first: AsyncIterator[bytes],
    ) -> AsyncGenerator[Event, None]:
        async for event in self._decode(first, translator):
            yield event
        # Failures in a row: streams that could not be opened, or that ended at once without
        # an event (a proxy closing them, say). Each waits longer; too many raise.
        failures = 0
        while True:
            if failures:
                await asleep(min(2.0, 0.1 * 2.0**failures))
            opened = monotonic()
            lasted = False
            try:
                async with self._open_events(request) as chunks:
                    # a stream event: yielded whatever types were asked for
                    yield StreamReconnected(timestamp=now_utc())
                    async for event in self._decode(chunks, translator):
                        lasted = True
                        yield event
            except MalformedResponseError:
                raise
            except BackendError:
                failures += 1
                if failures > self._session.config.read_retries + 1:
                    raise
                continue
            if lasted or monotonic() - opened >= _QUICK_CLOSE:
                failures = 0
                continue
            failures += 1
            if failures > self._session.config.read_retries + 1:
                raise BackendUnavailableError(
                    f"the event stream closed as soon as it opened, {failures} times in a row",
                    backend=self.backend_name,
                    method="GET",
                    url=request.path,
                )

    async def _decode(
        self, chunks: AsyncIterator[bytes], translator: EventTranslator
    ) -> AsyncGenerator[Event, None]:
        """The account's events of one stream; a partial last event is dropped, never yielded.

        A stream that breaks while reading ends here like one the server closed: the caller
        reconnects either way.
        """
        decoder = SseDecoder()
        try:
            async for chunk in chunks:
                for message in decoder.feed(chunk):
                    event = translator.translate(message.type, message.data)
                    if event is not None:
                        yield event
        except MalformedResponseError:
            raise
        except BackendError:
            pass
        decoder.close()
