from __future__ import annotations

import pytest

from asgard import errors
from asgard.errors import (
    AsgardError,
    BackendError,
    ConflictError,
    InvalidInputError,
    MalformedResponseError,
    NoLeaderError,
    NotFoundError,
    RequestRejectedError,
    TooManyDeploymentsError,
    WriteOutcomeUnknownError,
)

TREE: dict[str, tuple[str | type, ...]] = {
    "InvalidInputError": ("AsgardError", ValueError),
    "NotFoundError": ("AsgardError", LookupError),
    "ConflictError": ("AsgardError",),
    "TooManyDeploymentsError": ("ConflictError",),
    "UnsupportedOperationError": ("AsgardError",),
    "TenancyViolationError": ("AsgardError",),
    "DeploymentFailedError": ("AsgardError",),
    "DeploymentSupersededError": ("DeploymentFailedError",),
    "WaitTimeoutError": ("AsgardError",),
    "BackendError": ("AsgardError",),
    "BackendUnavailableError": ("BackendError",),
    "NoLeaderError": ("BackendUnavailableError",),
    "BackendTimeoutError": ("BackendError",),
    "WriteOutcomeUnknownError": ("BackendError",),
    "AuthenticationError": ("BackendError",),
    "PermissionDeniedError": ("BackendError",),
    "RequestRejectedError": ("BackendError",),
    "ServerError": ("BackendError",),
    "MalformedResponseError": ("BackendError",),
}


@pytest.mark.parametrize(("name", "parents"), TREE.items())
def test_the_tree_of_the_design(name: str, parents: tuple[str | type, ...]) -> None:
    cls = getattr(errors, name)
    for parent in parents:
        base: type = getattr(errors, parent) if isinstance(parent, str) else parent
        assert issubclass(cls, base)
    assert issubclass(cls, AsgardError)
    assert cls.__doc__


def test_every_exported_error_is_in_the_tree() -> None:
    assert set(errors.__all__) == set(TREE) | {"AsgardError"}


def test_backend_errors_carry_and_show_their_context() -> None:
    error = NoLeaderError(
        "none leads", backend="mesos", method="GET", url="http://m1:5050/master/slaves", status=503
    )
    assert (error.backend, error.method, error.url, error.status) == (
        "mesos",
        "GET",
        "http://m1:5050/master/slaves",
        503,
    )
    assert str(error) == "none leads (mesos, GET http://m1:5050/master/slaves, status 503)"
    assert str(BackendError("plain")) == "plain"
    assert WriteOutcomeUnknownError("lost", backend="marathon").status is None


def test_extra_attributes() -> None:
    assert ConflictError("locked", deployment_ids=["d1"]).deployment_ids == ("d1",)
    assert TooManyDeploymentsError("limit").deployment_ids == ()
    rejected = RequestRejectedError("no", details={"/mem": ("too big",)})
    assert rejected.details["/mem"] == ("too big",)
    with pytest.raises(TypeError):
        rejected.details["/cpus"] = ("x",)  # type: ignore[index]
    assert MalformedResponseError("bad", path="/apps/0/id").path == "/apps/0/id"


def test_builtin_bases_let_plain_python_handlers_catch_them() -> None:
    with pytest.raises(ValueError, match="bad"):
        raise InvalidInputError("bad")
    with pytest.raises(LookupError):
        raise NotFoundError("gone")
