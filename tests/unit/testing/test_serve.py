"""FakeCluster.serve(): the cluster over real loopback sockets, and ``python -m asgard.testing``."""

from __future__ import annotations

import json
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing

import httpx
import pytest

from asgard import Account
from asgard.errors import InvalidInputError
from asgard.mesos import MesosAgentsBackend
from asgard.testing import FakeCluster, ServedCluster, Server
from asgard.testing.__main__ import SCENARIOS, build_cluster, main

DEV = Account(namespace="dev", owner="dev-team")
SSE = {"Accept": "text/event-stream"}


def _port(url: str) -> int:
    port = httpx.URL(url).port
    assert port is not None
    return port


def _refuses(url: str) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", _port(url)), timeout=2):
            return False
    except ConnectionRefusedError:
        return True


def _serve_threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if thread.name.startswith("asgard-serve")}


@pytest.fixture
def cluster() -> FakeCluster:
    cluster = FakeCluster(seed=3, event_stream_idle_timeout=5)
    cluster.add_agent(owner="dev-team", cpus=4, mem=4096)
    cluster.add_agent(owner="ops-team", cpus=4, mem=4096, hostname="10.0.0.5")
    return cluster


@pytest.fixture
def served(cluster: FakeCluster) -> Iterator[ServedCluster]:
    with cluster.serve(timeout_hold=0.3) as served:
        yield served


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


# -- sockets, URLs and options ---------------------------------------------------------------


def test_each_fake_server_gets_its_own_loopback_socket(
    cluster: FakeCluster, served: ServedCluster
) -> None:
    urls = [*served.mesos_masters, *served.marathon, *served.agents]
    assert (len(served.mesos_masters), len(served.marathon), len(served.agents)) == (3, 2, 2)
    assert all(url.startswith("http://127.0.0.1:") for url in urls)
    assert len({_port(url) for url in urls}) == 7
    assert dict(served.addresses) == dict(
        zip([*cluster.mesos_urls, *cluster.marathon_urls, *cluster.agent_urls], urls, strict=True)
    )
    fake = f"{cluster.mesos_urls[1]}/master/slaves?slave_id=x"
    assert served.url_of(fake) == f"{served.mesos_masters[1]}/master/slaves?slave_id=x"
    assert served.fake_url_of(served.url_of(fake)) == fake
    assert served.url_of(cluster.agent_urls[1]) == served.agents[1]
    with pytest.raises(InvalidInputError):
        served.url_of("http://elsewhere.asgard.test:5050")
    with pytest.raises(InvalidInputError):
        served.fake_url_of("http://127.0.0.1:1/master/slaves")
    assert served.cluster is cluster
    assert "7 sockets" in repr(served)


def test_accepted_connections_are_counted_per_server(
    cluster: FakeCluster, served: ServedCluster
) -> None:
    marathon, master = served.marathon[0], served.mesos_masters[0]
    assert served.connections_accepted() == 0
    with httpx.Client(timeout=5) as pooled:
        for _ in range(20):
            assert pooled.get(f"{marathon}/v2/info").status_code == 200
        pooled.get(f"{master}/master/slaves")
    for _ in range(3):
        with httpx.Client(timeout=5) as fresh:
            fresh.get(f"{marathon}/v2/info")
    assert served.connections_accepted(marathon) == 4  # one pooled, three fresh clients
    assert served.connections_accepted(cluster.marathon_urls[0]) == 4  # the fake URL too
    assert served.connections_accepted(master) == 1
    assert served.connections_accepted(served.mesos_masters[1]) == 0
    assert served.connections_accepted() == 5
    with pytest.raises(InvalidInputError):
        served.connections_accepted("http://127.0.0.1:1")


def test_answers_are_not_held_back_by_nagle(served: ServedCluster) -> None:
    # Headers and body go out in separate sends: without TCP_NODELAY, every answer on a kept
    # connection waits for the client's delayed ACK (about 40 ms on Linux).
    with httpx.Client(timeout=5) as pooled:
        pooled.get(f"{served.marathon[0]}/v2/info")
        connections = list(served._connections)  # private: the socket option itself
        assert connections
        options = [c.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for c in connections]
    assert all(option != 0 for option in options)


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "::", "example.com", "", 5])
def test_non_loopback_hosts_are_refused(cluster: FakeCluster, host: object) -> None:
    before = _serve_threads()
    with pytest.raises(InvalidInputError):
        cluster.serve(host=host)  # type: ignore[arg-type]
    assert _serve_threads() == before


@pytest.mark.parametrize(
    "options",
    [
        {"base_port": 0},
        {"base_port": 65536},
        {"base_port": True},
        {"base_port": "8080"},
        {"hostnames": "real"},
        {"timeout_hold": -1},
        {"timeout_hold": float("nan")},
    ],
)
def test_bad_options_are_refused(cluster: FakeCluster, options: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError):
        cluster.serve(**options)  # type: ignore[arg-type]


def test_localhost_means_127_0_0_1(cluster: FakeCluster, client: httpx.Client) -> None:
    with cluster.serve(host="localhost") as served:
        assert served.host == "127.0.0.1"
        assert client.get(f"{served.mesos_masters[0]}/version").status_code == 200
    with cluster.serve(host="127.0.0.1") as served:
        assert client.get(f"{served.marathon[0]}/ping").text == "pong"


def test_ipv6_loopback_urls_are_bracketed(cluster: FakeCluster, client: httpx.Client) -> None:
    try:
        probe = socket.create_server(("::1", 0), family=socket.AF_INET6)
    except OSError:
        pytest.skip("this machine has no IPv6 loopback")
    probe.close()
    with cluster.serve(host="::1") as served:
        assert served.mesos_masters[0].startswith("http://[::1]:")
        answer = client.get(f"{served.mesos_masters[1]}/master/slaves")
        assert answer.headers["Location"] == f"//[::1]:{_port(served.mesos_masters[0])}" + (
            "/master/slaves"
        )
        assert served.fake_url_of(served.agents[0]) == cluster.agent_urls[0]


def _free_block(size: int) -> int:
    """A port whose next ``size`` ports are free now (the OS's ephemeral ones rarely clash)."""
    for _ in range(20):
        with closing(socket.create_server(("127.0.0.1", 0))) as probe:
            base = int(probe.getsockname()[1])
        if base + size > 65535:
            continue
        held: list[socket.socket] = []
        try:
            for port in range(base, base + size):
                held.append(socket.create_server(("127.0.0.1", port)))
        except OSError:
            continue
        finally:
            for sock in held:
                sock.close()
        return base
    pytest.skip("no block of free ports found")


def test_base_port_counts_up_masters_marathons_agents_then_new_agents(
    cluster: FakeCluster, client: httpx.Client
) -> None:
    base = _free_block(8)
    with cluster.serve(base_port=base) as served:
        ports = [_port(url) for url in [*served.mesos_masters, *served.marathon, *served.agents]]
        assert ports == list(range(base, base + 7))
        cluster.add_agent(owner="dev-team", cpus=1, mem=1)
        assert _port(served.agents[2]) == base + 7


def test_a_taken_port_fails_and_leaves_nothing_open(cluster: FakeCluster) -> None:
    before = _serve_threads()
    with closing(socket.create_server(("127.0.0.1", 0))) as taken:
        port = int(taken.getsockname()[1])
        with pytest.raises(OSError, match="in use"):
            cluster.serve(base_port=port)
    assert _serve_threads() == before


# -- requests in, answers out ---------------------------------------------------------------


def test_requests_reach_the_fake_server_with_their_path_query_headers_and_body(
    cluster: FakeCluster, served: ServedCluster, client: httpx.Client
) -> None:
    answer = client.get(
        f"{served.mesos_masters[0]}/master/tasks",
        params={"limit": "5", "order": "asc"},
        headers={"X-Trace": "abc"},
    )
    assert answer.status_code == 200
    seen = cluster.requests_to(server=cluster.mesos_urls[0], path="/master/tasks")[-1]
    assert seen.query == (("limit", "5"), ("order", "asc"))
    assert seen.header("X-Trace") == "abc"
    assert seen.header("Host") == "mesos-0.asgard.test:5050"

    parts = [b'{"id": "/dev/chunked", "cmd": "sleep 1", ', b'"cpus": 0.1, "mem": 32}']

    def chunks() -> Iterator[bytes]:  # a chunked request body
        yield from parts

    created = client.post(
        f"{served.marathon[0]}/v2/apps",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert created.status_code == 201, created.text
    assert "/dev/chunked" in cluster.apps
    assert cluster.requests_to(path="/v2/apps", method="POST")[-1].body_size == len(b"".join(parts))
    assert client.head(f"{served.marathon[0]}/v2/apps").content == b""


def test_redirects_leaders_and_addresses_name_loopback_sockets(
    cluster: FakeCluster, served: ServedCluster, client: httpx.Client
) -> None:
    master0 = _port(served.mesos_masters[0])
    marathon0, marathon1 = served.marathon
    agent0, agent1 = (_port(url) for url in served.agents)

    redirect = client.get(f"{served.mesos_masters[1]}/master/slaves?slave_id=x")
    assert redirect.status_code == 307
    assert redirect.headers["Location"] == f"//127.0.0.1:{master0}/master/slaves?slave_id=x"
    assert client.get(f"{served.mesos_masters[2]}/master/redirect").headers["Location"] == (
        f"//127.0.0.1:{master0}"
    )

    proxied = client.get(f"{marathon1}/v2/apps")
    assert proxied.headers["X-Marathon-Leader"] == marathon0
    assert proxied.headers["X-Marathon-Via"] == f"1.1 127.0.0.1:{_port(marathon1)}"
    assert client.get(f"{marathon1}/v2/leader").json() == {
        "leader": f"127.0.0.1:{_port(marathon0)}"
    }
    info = client.get(f"{marathon0}/v2/info").json()
    assert info["leader"] == f"127.0.0.1:{_port(marathon0)}"
    assert info["marathon_config"]["mesos_leader_ui_url"] == f"{served.mesos_masters[0]}/"
    assert info["marathon_config"]["master"].startswith("zk://mesos-0.asgard.test:2181")

    state = client.get(f"{served.mesos_masters[0]}/master/state").json()
    assert state["leader"] == f"master@127.0.0.1:{master0}"
    assert (state["leader_info"]["hostname"], state["leader_info"]["port"]) == (
        "127.0.0.1",
        master0,
    )
    assert (state["flags"]["hostname"], state["flags"]["port"]) == ("127.0.0.1", str(master0))
    assert [(s["hostname"], s["port"], s["pid"]) for s in state["slaves"]] == [
        ("127.0.0.1", agent0, f"slave(1)@127.0.0.1:{agent0}"),
        ("127.0.0.1", agent1, f"slave(1)@127.0.0.1:{agent1}"),
    ]
    assert state["frameworks"][0]["webui_url"] == marathon0
    summary = client.get(f"{served.mesos_masters[0]}/master/state-summary").json()
    assert {s["hostname"] for s in summary["slaves"]} == {"127.0.0.1"}
    assert client.get(f"{served.mesos_masters[0]}/master/slaves").content.count(b":5051") == 0

    agent_state = client.get(f"{served.agents[1]}/state").json()
    assert (agent_state["hostname"], agent_state["pid"]) == (
        "127.0.0.1",
        f"slave(1)@127.0.0.1:{agent1}",
    )
    assert agent_state["flags"]["port"] == str(agent1)

    created = client.post(
        f"{marathon1}/v2/apps",
        json={"id": "/dev/web", "cmd": "sleep 1", "cpus": 0.1, "mem": 32, "instances": 1},
    )
    assert created.headers["Location"] == f"{marathon0}/v2/apps/dev/web"
    cluster.advance(5)
    tasks = client.get(f"{marathon0}/v2/tasks").json()["tasks"]
    assert tasks[0]["host"] in {"agent-0.asgard.test", "10.0.0.5"}  # Marathon's name, kept


def test_standby_event_redirect_names_the_loopback_leader(
    served: ServedCluster, client: httpx.Client
) -> None:
    answer = client.get(f"{served.marathon[1]}/v2/events?event_type=x", headers=SSE)
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"{served.marathon[0]}/v2/events?event_type=x"


def test_fake_hostnames_keep_names_and_rewrite_only_addresses(
    cluster: FakeCluster, client: httpx.Client
) -> None:
    with cluster.serve(hostnames="fake") as served:
        slaves = client.get(f"{served.mesos_masters[0]}/master/slaves").json()["slaves"]
        assert [(s["hostname"], s["port"], s["pid"]) for s in slaves] == [
            ("agent-0.asgard.test", 5051, f"slave(1)@127.0.0.1:{_port(served.agents[0])}"),
            ("10.0.0.5", 5051, f"slave(1)@127.0.0.1:{_port(served.agents[1])}"),
        ]
        with MesosAgentsBackend(served.mesos_masters, account=DEV, agent_address="pid") as agents:
            (mine,) = agents.list()
            assert mine.hostname == "agent-0.asgard.test"
            assert agents.usage(mine.id) == []  # reached the agent through its pid


def test_agents_added_later_get_a_socket_and_removed_ones_reset(
    cluster: FakeCluster, served: ServedCluster, client: httpx.Client
) -> None:
    added = cluster.add_agent(owner="dev-team", cpus=2, mem=2048, hostname="late.example")
    slaves = client.get(f"{served.mesos_masters[0]}/master/slaves").json()["slaves"]
    late = next(s for s in slaves if s["id"] == added)
    url = f"http://127.0.0.1:{late['port']}"
    assert late["hostname"] == "127.0.0.1"
    assert url == served.agents[2] == served.url_of("http://late.example:5051")
    assert client.get(f"{url}/state").json()["id"] == added

    cluster.remove_agent(added)
    assert served.agents == served.agents[:2]
    with pytest.raises(httpx.ReadError):
        client.get(f"{url}/state")


def test_sandbox_files_are_not_rewritten(
    cluster: FakeCluster, served: ServedCluster, client: httpx.Client
) -> None:
    agent_id = next(iter(cluster.agents))
    task_id = cluster.add_task(agent_id=agent_id, app_id="/dev/web")
    cluster.write_log(task_id, "stdout", "calling agent-0.asgard.test:5051\n")
    with MesosAgentsBackend(served.mesos_masters, account=DEV) as agents:
        assert agents.logs(task_id) == "calling agent-0.asgard.test:5051\n"


def test_a_failing_handler_answers_500(
    cluster: FakeCluster, served: ServedCluster, client: httpx.Client
) -> None:
    def broken(_cluster: FakeCluster, _server: Server, _request: httpx.Request) -> httpx.Response:
        raise RuntimeError("boom")

    cluster.router.register("mesos_master", "GET", "/broken", broken)
    answer = client.get(f"{served.mesos_masters[0]}/broken")
    assert answer.status_code == 500
    assert "boom" in answer.text
    assert client.get(f"{served.mesos_masters[0]}/version").status_code == 200


def test_bad_request_framing_answers_400(served: ServedCluster) -> None:
    with socket.create_connection(("127.0.0.1", _port(served.marathon[0])), timeout=5) as sock:
        sock.sendall(b"POST /v2/apps HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
        reply = sock.recv(4096)
    assert reply.startswith(b"HTTP/1.1 400 ")


# -- faults on the wire ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["connection_refused", "agent_unreachable"])
def test_unreached_faults_reset_the_connection_without_running_the_handler(
    cluster: FakeCluster, served: ServedCluster, client: httpx.Client, kind: str
) -> None:
    cluster.faults.inject(kind, server=cluster.agent_urls[0])  # type: ignore[arg-type]
    with pytest.raises(httpx.ReadError):
        client.get(f"{served.agents[0]}/state")
    assert [r.path for r in cluster.requests.unreached] == ["/state"]
    assert client.get(f"{served.agents[0]}/state").status_code == 200  # next one is served


def test_connection_reset_loses_the_answer_of_an_applied_write(
    cluster: FakeCluster, served: ServedCluster, client: httpx.Client
) -> None:
    cluster.faults.inject("connection_reset", path="/v2/apps")
    with pytest.raises(httpx.ReadError):
        client.post(
            f"{served.marathon[0]}/v2/apps",
            json={"id": "/dev/web", "cmd": "sleep 1", "cpus": 0.1, "mem": 32},
        )
    assert "/dev/web" in cluster.apps


def test_a_timeout_holds_the_connection_then_closes_it(
    cluster: FakeCluster, served: ServedCluster, client: httpx.Client
) -> None:
    cluster.faults.inject("timeout", times=2)
    with pytest.raises(httpx.ReadTimeout):
        client.get(f"{served.marathon[0]}/v2/apps", timeout=httpx.Timeout(5, read=0.05))
    started = time.monotonic()
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(f"{served.marathon[0]}/v2/apps")  # read timeout 5 s > the 0.3 s hold
    assert 0.25 <= time.monotonic() - started < 3


def test_latency_delays_the_answer(
    cluster: FakeCluster, served: ServedCluster, client: httpx.Client
) -> None:
    cluster.faults.inject("latency", seconds=0.15)
    started = time.monotonic()
    assert client.get(f"{served.marathon[0]}/v2/apps").status_code == 200
    assert time.monotonic() - started >= 0.15


def test_body_faults_arrive_as_the_fake_answers_them(
    cluster: FakeCluster, served: ServedCluster, client: httpx.Client
) -> None:
    whole = client.get(f"{served.mesos_masters[0]}/master/tasks").content
    cluster.faults.inject("truncated_body")
    cut = client.get(f"{served.mesos_masters[0]}/master/tasks")
    assert cut.status_code == 200
    assert whole.startswith(cut.content)
    assert 0 < len(cut.content) < len(whole)
    with pytest.raises(json.JSONDecodeError):
        cut.json()
    cluster.faults.inject("server_error_html")
    page = client.get(f"{served.marathon[0]}/v2/apps")
    assert page.status_code == 500
    assert page.headers["Content-Type"].startswith("text/html")
    cluster.faults.inject("wrong_content_type")
    assert client.get(f"{served.marathon[0]}/v2/apps").headers["Content-Type"] == "text/html"


# -- event streams -----------------------------------------------------------------------------


def test_events_are_written_chunked_one_event_at_a_time(
    cluster: FakeCluster, served: ServedCluster, client: httpx.Client
) -> None:
    with client.stream("GET", f"{served.marathon[0]}/v2/events", headers=SSE) as stream:
        assert stream.headers["Transfer-Encoding"] == "chunked"
        assert stream.headers["Content-Type"] == "text/event-stream"
        assert stream.headers["X-Marathon-Leader"] == served.marathon[0]
        chunks = stream.iter_raw()
        assert next(chunks).startswith(b"event: event_stream_attached\n")
        # only now is the next event published: it arrives on its own, while the stream is open
        cluster.events.publish(
            "ping_event", {"eventType": "ping_event", "at": cluster.marathon_urls[1]}
        )
        assert next(chunks) == (
            b'event: ping_event\ndata: {"eventType":"ping_event","at":"'
            + served.marathon[1].encode()
            + b'"}\n\n'
        )
        assert cluster.end_event_streams() == 1
        assert list(chunks) == []  # ended cleanly with the last chunk


def test_a_cut_event_stream_resets_the_connection(
    cluster: FakeCluster, served: ServedCluster, client: httpx.Client
) -> None:
    with client.stream("GET", f"{served.marathon[0]}/v2/events", headers=SSE) as stream:
        chunks = stream.iter_raw()
        next(chunks)
        cluster.end_event_streams(abrupt=True)
        with pytest.raises(httpx.ReadError):
            next(chunks)


# -- time and shutdown ------------------------------------------------------------------------


def test_with_a_time_scale_time_flows_without_requests(client: httpx.Client) -> None:
    cluster = FakeCluster(time_scale=100)
    with cluster.serve():
        start = cluster.now
        time.sleep(0.3)
        assert (cluster.now - start).total_seconds() >= 10


def test_without_a_time_scale_only_advance_moves_time(served: ServedCluster) -> None:
    start = served.cluster.now
    time.sleep(0.15)
    assert served.cluster.now == start


def test_close_cuts_everything_and_leaves_no_thread_or_socket(cluster: FakeCluster) -> None:
    before = set(threading.enumerate())
    served = cluster.serve()
    urls = [*served.mesos_masters, *served.marathon, *served.agents]
    failures: list[BaseException] = []

    def slow_request() -> None:
        with httpx.Client(timeout=30) as slow:
            try:
                slow.get(f"{served.marathon[0]}/v2/apps")
            except httpx.TransportError as exc:
                failures.append(exc)

    with httpx.Client(timeout=5) as client:
        assert client.get(f"{urls[0]}/version").status_code == 200  # a kept-alive connection
        with client.stream("GET", f"{served.marathon[0]}/v2/events", headers=SSE) as stream:
            next(stream.iter_raw())  # a stream open, waiting for events
            cluster.faults.inject("latency", seconds=30)
            waiting = threading.Thread(target=slow_request)
            waiting.start()
            while not cluster.requests_to(path="/v2/apps"):
                time.sleep(0.01)
            started = time.monotonic()
            served.close()
            took = time.monotonic() - started
            waiting.join(5)
    assert took < 2
    assert served.closed
    served.close()  # again: nothing to do
    assert [type(exc) for exc in failures] == [httpx.RemoteProtocolError]
    assert set(threading.enumerate()) == before
    assert all(_refuses(url) for url in urls)
    assert served.mesos_masters == urls[:3]  # still readable
    cluster.add_agent(owner="dev-team", cpus=1, mem=1)
    with pytest.raises(RuntimeError, match="closed"):
        _ = served.agents


# -- python -m asgard.testing ----------------------------------------------------------------


def test_the_demo_scenario_has_two_owners_and_two_namespaces_running() -> None:
    cluster = build_cluster("demo", time_scale=None)
    owners = [agent.attributes["owner"] for agent in cluster.agents.values()]
    assert (owners.count("dev-team"), owners.count("ops-team")) == (8, 4)
    assert {app_id.split("/")[1] for app_id in cluster.apps} == {"dev", "ops"}
    assert not cluster.deployments
    running = [task for task in cluster.tasks.values() if task.state == "TASK_RUNNING"]
    assert len(running) == sum(app.instances for app in cluster.apps.values())
    for task in running:
        owner = cluster.agents[task.agent_id].attributes["owner"]
        assert (task.app_id or "").startswith("/dev/" if owner == "dev-team" else "/ops/")
    assert not build_cluster("empty").agents
    assert set(SCENARIOS) == {"demo", "empty"}
    with pytest.raises(InvalidInputError):
        build_cluster("huge")


@pytest.mark.parametrize(
    ("argv", "status"),
    [(["serve", "--host", "10.0.0.1"], 2), (["serve", "--time-scale", "-1"], 2)],
)
def test_bad_serve_options_exit_2(
    argv: list[str], status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == status
    assert "python -m asgard.testing serve:" in capsys.readouterr().err


def _first_line(process: subprocess.Popen[str], timeout: float = 30) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            process.kill()
            pytest.fail("no first line from python -m asgard.testing serve")
    return process.stdout.readline()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_the_serve_command_prints_its_urls_serves_and_exits_0_on_a_signal(
    stop: signal.Signals,
) -> None:
    command = [sys.executable, "-m", "asgard.testing", "serve", "--scenario", "demo"]
    with subprocess.Popen(
        [*command, "--seed", "7", "--time-scale", "50"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            urls = json.loads(_first_line(process))
            assert list(urls) == ["mesos_masters", "marathon", "agents"]
            assert (len(urls["mesos_masters"]), len(urls["marathon"])) == (3, 2)
            assert len(urls["agents"]) == 12
            with httpx.Client(timeout=10) as client:
                slaves = client.get(f"{urls['mesos_masters'][0]}/master/slaves").json()["slaves"]
                apps = client.get(f"{urls['marathon'][1]}/v2/apps").json()["apps"]
                agent = client.get(f"{urls['agents'][3]}/state")
            assert {s["attributes"]["owner"] for s in slaves} == {"dev-team", "ops-team"}
            assert {f"http://{s['hostname']}:{s['port']}" for s in slaves} == set(urls["agents"])
            assert {app["id"].split("/")[1] for app in apps} == {"dev", "ops"}
            assert agent.status_code == 200
        finally:
            process.send_signal(stop)
            _, err = process.communicate(timeout=20)
        assert process.returncode == 0, err
    assert all(_refuses(url) for url in urls["mesos_masters"])


# -- a third-party client ----------------------------------------------------------------------


def test_marathon_python_creates_scales_and_deletes_through_the_loopback_marathon() -> None:
    marathon = pytest.importorskip(
        "marathon", reason="marathon-python (PyPI 'marathon') is not installed"
    )
    models = pytest.importorskip("marathon.models")

    cluster = FakeCluster(seed=5, time_scale=200)
    cluster.add_agent(owner="dev-team", cpus=4, mem=4096)
    with cluster.serve() as served:
        client = marathon.MarathonClient(served.marathon[::-1])  # a standby first
        try:
            created = client.create_app(
                "/dev/hello", models.MarathonApp(cmd="sleep 100", instances=1, cpus=0.1, mem=32)
            )
            assert created.id == "/dev/hello"
            scaled = client.scale_app("/dev/hello", instances=3)
            assert "deploymentId" in scaled
            deadline = time.monotonic() + 10
            while client.get_app("/dev/hello").tasks_running != 3:
                assert time.monotonic() < deadline, "the scaled app never ran 3 tasks"
                time.sleep(0.02)
            assert [app.id for app in client.list_apps()] == ["/dev/hello"]
            assert len(client.list_tasks("/dev/hello")) == 3
            client.delete_app("/dev/hello")
            assert client.get_leader() == {"leader": served.marathon[0].removeprefix("http://")}
        finally:
            client.session.close()
            client.sse_session.close()
    assert cluster.apps == {}
