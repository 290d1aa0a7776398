"""No secret in any repr, str, log line or message."""

from __future__ import annotations

import pickle

import httpx
import pytest

from asgard.auth import BasicAuth, Secret, TokenAuth
from asgard.errors import InvalidInputError

PASSWORD = "correct-horse-battery"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.secret"


def test_secret_hides_its_value() -> None:
    secret = Secret(PASSWORD)
    for text in (repr(secret), str(secret), f"{secret}", f"{secret!r}", repr([secret])):
        assert PASSWORD not in text
    assert secret.reveal() == PASSWORD
    assert secret == Secret(PASSWORD)
    assert secret != Secret("other")
    assert secret != PASSWORD
    assert hash(secret) == hash(Secret(PASSWORD))
    assert pickle.loads(pickle.dumps(secret)) == secret


def test_secret_wants_a_string() -> None:
    with pytest.raises(InvalidInputError):
        Secret(b"bytes")  # type: ignore[arg-type]


def test_basic_auth_repr_hides_the_password_and_sends_it() -> None:
    auth = BasicAuth("ops", PASSWORD)
    assert "ops" in repr(auth)
    assert PASSWORD not in repr(auth)
    assert PASSWORD not in repr(vars(auth))
    request = next(auth.auth_flow(httpx.Request("GET", "http://m1:5050/")))
    assert request.headers["Authorization"] == httpx.BasicAuth("ops", PASSWORD)._auth_header
    assert BasicAuth("ops", Secret(PASSWORD)).password.reveal() == PASSWORD


def test_token_auth_uses_the_dcos_scheme_and_hides_the_token() -> None:
    auth = TokenAuth(TOKEN)
    assert TOKEN not in repr(auth)
    assert TOKEN not in repr(vars(auth))
    request = next(auth.auth_flow(httpx.Request("GET", "http://m1:5050/")))
    assert request.headers["Authorization"] == f"token={TOKEN}"
