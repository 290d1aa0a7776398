"""Lists of models as tables, for terminals and notebooks, never showing secrets."""

from __future__ import annotations

import pytest

from asgard.errors import InvalidInputError
from asgard.models import Agent, App, Resources, Table, table

AGENTS = [
    Agent(
        id="S1",
        hostname="h1",
        port=5051,
        active=True,
        total=Resources(cpus=4, mem=8192),
        allocated=Resources(cpus=1, mem=1024),
    ),
    Agent(
        id="S22",
        hostname="host-2",
        port=5051,
        active=False,
        total=Resources(cpus=8, mem=16384),
        allocated=Resources(cpus=0, mem=0),
    ),
]


def test_text_is_aligned_with_a_header() -> None:
    text = str(table(AGENTS, ["id", "hostname", "active", "total"]))
    lines = text.splitlines()
    assert lines[0].split() == ["id", "hostname", "active", "total"]
    assert lines[2].startswith("S1   h1        True    4 cpu, 8192 MiB")
    assert lines[3].startswith("S22  host-2    False   8 cpu, 16384 MiB")
    assert len({line.index(line.split()[1]) for line in lines[2:]}) == 1


def test_default_columns_are_the_scalar_fields() -> None:
    shown = table(AGENTS)
    assert "id" in shown.columns
    assert "tasks" not in shown.columns
    assert "attributes" not in shown.columns


def test_html_is_escaped_and_secrets_never_shown() -> None:
    app = App(
        id="/web",
        instances=1,
        cpus=1,
        mem=64,
        version="v",
        cmd="<script>",
        env={"DB_PASSWORD": "hunter2"},
        extra={"secret": "s3"},
    )
    html = table([app])._repr_html_()
    assert "&lt;script&gt;" in html
    assert "hunter2" not in html
    assert "s3" not in str(table([app]))
    with pytest.raises(InvalidInputError):
        table([app], ["extra"])
    with pytest.raises(InvalidInputError):
        table([app], ["nope"])
    with pytest.raises(InvalidInputError):
        table([{"id": 1}])


def test_empty() -> None:
    assert str(table([])) == ""
    assert table([]) == Table(columns=(), rows=())
