"""The pure half of the fault matrix: the cluster it runs on, request hooks and fake answers.

Nothing here awaits or sends anything: ``_async/test_matrix.py`` (and its generated sync twin)
wraps the FakeCluster's transport in a transport that consults :class:`Hooks`, and builds its
scenarios from the answers and JSON edits below.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, Final
from urllib.parse import urlsplit

import attrs
import httpx

from asgard import Account
from asgard.models import AppSpec
from asgard.testing import FakeCluster, RecordedRequest

__all__ = [
    "DEV",
    "PIN",
    "Hook",
    "Hooks",
    "corrupt_gzip",
    "edit_json",
    "jetty_page",
    "json_answer",
    "label",
    "labels_of",
    "login_page",
    "proxy_502",
    "status_event",
    "strip_statistics",
    "text_answer",
    "world",
]

DEV: Final = Account(namespace="dev", owner="dev-team")
PIN: Final = ("owner", "LIKE", "dev-team")


def world(*, marathon_version: str = "1.10", mesos_version: str = "1.11") -> FakeCluster:
    """Three masters, two Marathons (index 0 leads), three dev agents, one ops agent, and
    ``/dev/web``: two tasks, one on each of the first two dev agents, its deployment finished;
    the third dev agent is empty (room for a third task)."""
    cluster = FakeCluster(
        seed=7,
        marathon_version=marathon_version,
        mesos_version=mesos_version,
        event_stream_idle_timeout=1.0,
    )
    for _ in range(2):
        cluster.add_agent(owner="dev-team", cpus=4, mem=8192)
    cluster.add_agent(owner="ops-team", cpus=4, mem=8192)
    cluster.add_app(
        "/dev/web",
        AppSpec(
            id="/dev/web",
            instances=2,
            cpus=0.5,
            mem=256,
            cmd="run",
            constraints=[PIN, ("hostname", "UNIQUE")],
        ),
    )
    cluster.advance(30)
    cluster.add_agent(owner="dev-team", cpus=4, mem=8192)
    return cluster


# -- who saw what ------------------------------------------------------------------------------


def label(url: str | httpx.URL) -> str:
    """A server's short name: ``marathon-0``, ``mesos-2``, ``agent-1``."""
    host = urlsplit(str(url)).hostname or ""
    return host.split(".", 1)[0]


def labels_of(records: Iterable[RecordedRequest]) -> Counter[str]:
    """How many of the requests each server got."""
    return Counter(label(record.server) for record in records)


# -- hooks: what happens around one request ----------------------------------------------------


@attrs.define(kw_only=True)
class Hook:
    """Something done around the requests that match (server label, method, path pattern).

    ``path`` is exact, or a prefix when it ends with ``*``. The first ``skip`` matching
    requests are let through untouched; the hook then applies ``times`` times (None: always).

    Attributes:
        before: run before the request reaches the cluster (a leader change, a clock move).
        after: run after the cluster answered, before the client sees the answer.
        answer: answer in the cluster's place (the cluster never sees the request); the
            answer is counted for ``answered_by`` (the server's own label when None).
        rewrite: replace the cluster's (read) answer, as a proxy in between would.
        cut_after_events: pass a live event stream on for that many whole events, then send
            half of the next one and reset the connection.
    """

    server: str | None = None
    method: str | None = None
    path: str | None = None
    skip: int = 0
    times: int | None = 1
    before: Callable[[], object] | None = None
    after: Callable[[], object] | None = None
    answer: Callable[[httpx.Request], httpx.Response] | None = None
    answered_by: str | None = None
    rewrite: Callable[[httpx.Response], httpx.Response] | None = None
    cut_after_events: int | None = None
    seen: int = 0
    hits: int = 0

    def _matches(self, request: httpx.Request) -> bool:
        if self.server is not None and label(request.url) != self.server:
            return False
        if self.method is not None and request.method != self.method:
            return False
        path = request.url.path
        if self.path is None:
            return True
        if self.path.endswith("*"):
            return path.startswith(self.path[:-1])
        return path == self.path

    def take(self, request: httpx.Request) -> bool:
        """Whether the hook applies to this request (and count it when it does)."""
        if not self._matches(request):
            return False
        self.seen += 1
        if self.seen <= self.skip:
            return False
        if self.times is not None and self.hits >= self.times:
            return False
        self.hits += 1
        return True


class Hooks:
    """The hooks of one scenario, and the answers given in a server's place.

    Thread-safe: the sync backends fan out over threads.
    """

    def __init__(self) -> None:
        self.hooks: list[Hook] = []
        self.answered: list[tuple[str, str]] = []  # (who answered, method)
        self._lock = threading.Lock()

    def add(self, **fields: Any) -> Hook:
        """Add a hook (see :class:`Hook` for the fields) and return it."""
        hook = Hook(**fields)
        self.hooks.append(hook)
        return hook

    def take(self, request: httpx.Request) -> list[Hook]:
        """The hooks that apply to this request, in the order they were added."""
        with self._lock:
            return [hook for hook in self.hooks if hook.take(request)]

    def answer_for(self, request: httpx.Request, hooks: list[Hook]) -> httpx.Response | None:
        """The answer a hook gives in the server's place, counted for whoever gave it."""
        for hook in hooks:
            if hook.answer is not None:
                with self._lock:
                    self.answered.append((hook.answered_by or label(request.url), request.method))
                return hook.answer(request)
        return None


# -- answers a FakeCluster does not give by itself ---------------------------------------------


def json_answer(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    """A JSON answer, as Marathon (or its auth plugin) writes one."""
    return httpx.Response(
        status,
        headers={"Content-Type": "application/json", **(headers or {})},
        content=json.dumps(body).encode(),
    )


def text_answer(status: int, text: str, headers: dict[str, str] | None = None) -> httpx.Response:
    """A plain-text answer, as Mesos masters and agents write their errors."""
    return httpx.Response(
        status,
        headers={"Content-Type": "text/plain; charset=utf-8", **(headers or {})},
        content=text.encode(),
    )


def jetty_page(status: int, reason: str) -> httpx.Response:
    """Marathon's Jetty error page."""
    page = (
        f"<html>\n<head>\n<title>Error {status} {reason}</title>\n</head>\n<body>"
        f"<h2>HTTP ERROR {status}</h2>\n<p>Problem accessing /v2/apps. Reason:\n"
        f"<pre>    {reason}</pre></p><hr><i><small>Powered by Jetty://</small></i></body>\n</html>\n"
    )
    return httpx.Response(
        status, headers={"Content-Type": "text/html;charset=iso-8859-1"}, content=page.encode()
    )


def proxy_502(_: object = None) -> httpx.Response:
    """An nginx in front of Marathon that could not get an answer from it."""
    page = (
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n"
        "</body>\r\n</html>\r\n"
    )
    return httpx.Response(
        502, headers={"Content-Type": "text/html", "Server": "nginx/1.25.3"}, content=page.encode()
    )


def strip_statistics(payload: Any) -> None:
    for container in payload:
        container.pop("statistics")


def corrupt_gzip(_: object = None) -> httpx.Response:
    """A gzip body damaged on the way (a proxy's buffer), under a JSON content type."""
    packed = gzip.compress(json.dumps({"apps": []}).encode() * 50)
    damaged = packed[:10] + bytes(byte ^ 0xFF for byte in packed[10:40]) + packed[40:]
    return httpx.Response(
        200,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        content=damaged,
    )


def login_page(_: object = None) -> httpx.Response:
    """An SSO proxy in front of Marathon: 200 and an HTML login page."""
    return httpx.Response(
        200,
        headers={"Content-Type": "text/html; charset=utf-8"},
        content=b"<html><body><form action='/login'>Sign in</form></body></html>",
    )


def edit_json(edit: Callable[[Any], object]) -> Callable[[httpx.Response], httpx.Response]:
    """A rewrite that changes the JSON body of an answer in place (headers kept)."""

    def rewrite(response: httpx.Response) -> httpx.Response:
        payload = json.loads(response.content)
        edit(payload)
        headers = [
            (name, value)
            for name, value in response.headers.multi_items()
            if name.lower() not in {"content-length", "content-encoding", "transfer-encoding"}
        ]
        return httpx.Response(
            response.status_code, headers=headers, content=json.dumps(payload).encode()
        )

    return rewrite


def status_event(cluster: FakeCluster, task_id: str, state: str = "TASK_RUNNING") -> Any:
    """Marathon's ``status_update_event`` for one task of the cluster."""
    task = cluster.task(task_id)
    return {
        "eventType": "status_update_event",
        "timestamp": "2026-01-01T00:01:00.000Z",
        "slaveId": task.agent_id,
        "taskId": task.id,
        "taskStatus": state,
        "message": "",
        "appId": "/dev/web",
        "host": cluster.agent(task.agent_id).hostname,
        "ports": [],
        "version": "2026-01-01T00:00:00.000Z",
    }
