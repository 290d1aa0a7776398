"""What differs between the servers asgard talks to: leaders, refusals and error bodies.

Pure: each dialect reads statuses, content types and bodies, and never sends anything.

- Mesos masters answer a standby's reads with ``307`` and a scheme-less ``Location``; with no
  leader elected they answer ``503`` ``No leader elected`` (plain text). Error bodies are plain
  text. ``/master/redirect`` names the leader in its ``Location``.
- Marathon standbys proxy to the leader; with no leader they answer ``503`` (up to 1.6) or
  ``502`` (from 1.7) with a Jetty HTML page whose reason says so; overloaded, ``503`` "Too many
  concurrent requests". Error bodies are JSON (``message``, ``details`` as a string or a list
  of ``{path, errors}``, ``deployments`` on 409; DC/OS adds ``errors: [{error}]``), but proxies
  and Jetty send HTML. ``/v2/leader`` names the leader; ``X-Marathon-Leader`` names it too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Final

import attrs

__all__ = ["MARATHON", "MESOS", "MESOS_AGENT", "Dialect", "ErrorBody", "html_text"]

_TAG: Final = re.compile(r"<[^>]+>")
_TITLE: Final = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_PRE: Final = re.compile(r"<pre>(.*?)</pre>", re.IGNORECASE | re.DOTALL)


@attrs.frozen(kw_only=True)
class ErrorBody:
    """What a server said in an error answer, read tolerantly."""

    message: str | None = None
    details: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    deployment_ids: tuple[str, ...] = ()
    too_many_deployments: bool = False


def html_text(content: bytes) -> str | None:
    """The reason of an HTML error page (Jetty's ``<pre>`` reason, else its ``<title>``)."""
    text = content[:8192].decode("utf-8", errors="replace")
    for pattern in (_PRE, _TITLE):
        match = pattern.search(text)
        if match is not None:
            reason = " ".join(_TAG.sub(" ", match.group(1)).split())
            if reason:
                return reason
    return None


def _is_html(content_type: str, content: bytes) -> bool:
    return content_type == "text/html" or content[:200].lstrip().lower().startswith(
        (b"<html", b"<!doctype")
    )


def _plain(content: bytes) -> str | None:
    text = " ".join(content[:2048].decode("utf-8", errors="replace").split())
    return text or None


class Dialect:
    """The behaviour of one kind of server, as the HTTP layer needs it."""

    name: str = "generic"
    probe_path: str | None = None
    """A path whose answer names the leader (asked of each configured server), or None."""
    leader_header: str | None = None
    """A response header naming the leader's URL, or None."""

    def refusal(self, status: int, content_type: str, content: bytes) -> str | None:
        """Whether the answer proves the request was refused without being applied.

        Returns ``"no_leader"`` (a standby with no leader) or ``"overloaded"``; None otherwise.
        """
        return None

    def probe(self, status: int, headers: Mapping[str, str], content: bytes) -> str | None:
        """The leader (``host:port`` or a URL) the probe answer names, or None."""
        return None

    def error_body(self, status: int, content_type: str, content: bytes) -> ErrorBody:
        """Read an error answer; never raises, whatever the body holds."""
        if _is_html(content_type, content):
            return ErrorBody(message=html_text(content))
        return ErrorBody(message=_plain(content))


class _Mesos(Dialect):
    name = "mesos"
    probe_path = "/master/redirect"

    def refusal(self, status: int, content_type: str, content: bytes) -> str | None:
        # A master answers 503 only when it knows no leader (election in progress).
        return "no_leader" if status == 503 else None

    def probe(self, status: int, headers: Mapping[str, str], content: bytes) -> str | None:
        if status in (301, 302, 303, 307, 308):
            return headers.get("location") or None
        return None


class _MesosAgent(Dialect):
    name = "mesos-agent"


_MARATHON_NO_LEADER: Final = (
    "could not determine the current leader",
    "connection to leader refused",
    "failed to successfully establish a connection to the leader",
    "there is no leader",
    "leader is unknown",
    "not the leader",
)
_MARATHON_OVERLOADED: Final = "too many concurrent requests"
_TOO_MANY_DEPLOYMENTS: Final = re.compile(r"running deployments", re.IGNORECASE)


class _Marathon(Dialect):
    name = "marathon"
    probe_path = "/v2/leader"
    leader_header = "x-marathon-leader"

    def refusal(self, status: int, content_type: str, content: bytes) -> str | None:
        if status not in (502, 503):
            return None
        reason = (self.error_body(status, content_type, content).message or "").lower()
        if any(marker in reason for marker in _MARATHON_NO_LEADER):
            return "no_leader"
        if _MARATHON_OVERLOADED in reason:
            return "overloaded"
        return None

    def probe(self, status: int, headers: Mapping[str, str], content: bytes) -> str | None:
        if status != 200:
            return None
        try:
            leader = json.loads(content).get("leader")
        except (ValueError, AttributeError, RecursionError):
            return None
        return leader if isinstance(leader, str) and leader else None

    def error_body(self, status: int, content_type: str, content: bytes) -> ErrorBody:
        if _is_html(content_type, content):
            return ErrorBody(message=html_text(content))
        try:
            data = json.loads(content)
        except (ValueError, RecursionError):
            return ErrorBody(message=_plain(content))
        if not isinstance(data, dict):
            return ErrorBody(message=_plain(content))
        message = data.get("message") if isinstance(data.get("message"), str) else None
        details: dict[str, tuple[str, ...]] = {}
        raw_details = data.get("details")
        if isinstance(raw_details, str) and raw_details:
            details[""] = (raw_details,)
        elif isinstance(raw_details, list):
            for item in raw_details:
                if not isinstance(item, dict):
                    continue
                raw_path = item.get("path")
                path = raw_path if isinstance(raw_path, str) else ""
                errors = item.get("errors")
                texts = tuple(str(error) for error in errors) if isinstance(errors, list) else ()
                details[path] = details.get(path, ()) + texts
        raw_errors = data.get("errors")
        if isinstance(raw_errors, list):
            texts = tuple(
                str(item["error"])
                for item in raw_errors
                if isinstance(item, dict) and "error" in item
            )
            if texts:
                details[""] = details.get("", ()) + texts
                message = message or texts[0]
        deployments = data.get("deployments")
        deployment_ids = tuple(
            item["id"]
            for item in (deployments if isinstance(deployments, list) else [])
            if isinstance(item, dict) and isinstance(item.get("id"), str)
        )
        return ErrorBody(
            message=message,
            details=details,
            deployment_ids=deployment_ids,
            too_many_deployments=status == 403
            and message is not None
            and bool(_TOO_MANY_DEPLOYMENTS.search(message)),
        )


MESOS: Final[Dialect] = _Mesos()
MESOS_AGENT: Final[Dialect] = _MesosAgent()
MARATHON: Final[Dialect] = _Marathon()
