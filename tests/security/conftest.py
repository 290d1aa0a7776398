"""Fixtures of the security tests: a throwaway PKI written to PEM files (trustme)."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
import trustme


@attrs.frozen
class Pki:
    """PEM files of two throwaway CAs and of certificates they issued.

    Attributes:
        ca: the trusted CA's certificate (the bundle a client passes as ``verify=``).
        other_ca: a second CA's certificate, which signed nothing the servers use.
        server: the server's key and chain for ``127.0.0.1`` and ``localhost``, by ``ca``.
        server_unknown_ca: the same identities, signed by ``other_ca``.
        server_wrong_host: a certificate by ``ca`` for ``elsewhere.example`` only.
        client_cert, client_key: a client certificate (CN ``asgard-client``) by ``ca``,
            and its key, in two files.
        client_combined: the same key and chain in one file.
        rogue_client: a client key and chain (CN ``rogue-client``) by ``other_ca``.
    """

    ca: str
    other_ca: str
    server: str
    server_unknown_ca: str
    server_wrong_host: str
    client_cert: str
    client_key: str
    client_combined: str
    rogue_client: str


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca = trustme.CA()
    other = trustme.CA()

    def write(name: str, blob: trustme.Blob) -> str:
        path = folder / name
        blob.write_to_path(path)
        return str(path)

    def write_chain(name: str, leaf: trustme.LeafCert) -> str:
        path = Path(folder / name)
        leaf.private_key_and_cert_chain_pem.write_to_path(path)
        return str(path)

    client = ca.issue_cert("client.asgard.test", common_name="asgard-client")
    return Pki(
        ca=write("ca.pem", ca.cert_pem),
        other_ca=write("other-ca.pem", other.cert_pem),
        server=write_chain("server.pem", ca.issue_cert("127.0.0.1", "localhost")),
        server_unknown_ca=write_chain("server-unknown.pem", other.issue_cert("127.0.0.1")),
        server_wrong_host=write_chain("server-wrong.pem", ca.issue_cert("elsewhere.example")),
        client_cert=write("client-cert.pem", client.cert_chain_pems[0]),
        client_key=write("client-key.pem", client.private_key_pem),
        client_combined=write_chain("client.pem", client),
        rogue_client=write_chain(
            "rogue.pem", other.issue_cert("rogue.asgard.test", common_name="rogue-client")
        ),
    )
