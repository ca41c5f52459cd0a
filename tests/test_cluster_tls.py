"""A Dask scheduler reached over TLS with the certificates given (batch/cluster.py): the
client gets a ``Security`` requiring encryption; a tls:// address without its files, a
file that is not there, or certificates for a plain address are refused in one line."""

from __future__ import annotations

import pytest

from sipm_helpers.batch import cluster
from sipm_helpers.batch.cluster import Certificates, dask_executor, security
from sipm_helpers.errors import SipmError


@pytest.fixture
def pem(tmp_path):
    files = {}
    for name in ("ca", "cert", "key"):
        files[name] = tmp_path / f"{name}.pem"
        files[name].write_text("-----BEGIN CERTIFICATE-----\n", "utf-8")
    return Certificates(str(files["ca"]), str(files["cert"]), str(files["key"]))


def test_a_tls_scheduler_gets_the_certificates_and_requires_encryption(pem):
    tls = security("tls://scheduler.example:8786", pem)
    assert tls.require_encryption
    assert (tls.tls_ca_file, tls.tls_client_cert, tls.tls_client_key) == (
        pem.ca_file, pem.cert, pem.key
    )  # fmt: skip
    assert security("tcp://127.0.0.1:8786", Certificates()) is None


@pytest.mark.parametrize(
    ("scheduler", "certificates", "says"),
    [
        ("tls://s:8786", Certificates(), "give --tls-ca-file, --tls-cert and --tls-key"),
        ("tls://s:8786", Certificates("ca.pem", None, None), "give --tls-ca-file"),
        ("tls://s:8786", Certificates("nowhere/ca.pem", "c", "k"), "--tls-ca-file nowhere/ca.pem: no such file"),
        ("tcp://s:8786", Certificates("ca.pem", None, None), "tcp://s:8786 is not one"),
    ],
)  # fmt: skip
def test_what_cannot_make_a_tls_connection_is_refused(scheduler, certificates, says):
    with pytest.raises(SipmError, match=says.replace(".", r"\.")):
        security(scheduler, certificates)


def test_the_client_is_made_with_the_security(pem, monkeypatch):
    made = {}

    class FakeClient:
        def __init__(self, address, security=None):
            made.update(address=address, security=security)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def register_plugin(self, plugin, name):
            made["plugin"] = name

        def get_executor(self, pure):
            return "executor"

    monkeypatch.setattr(cluster, "Client", FakeClient)
    options = {"workers": 2, "start_timeout": 60, "restart_every": 50, "warm": True}
    with dask_executor("tls://s:8786", **options, certificates=pem) as executor:
        assert executor == "executor"
    assert made["address"] == "tls://s:8786" and made["security"].tls_client_key == pem.key


def test_the_command_line_refuses_a_tls_scheduler_without_certificates(tiny_dir, tmp_path, capsys):
    from sipm_helpers.cli import EXIT_BAD_INPUT, main

    argv = ["demo", "--data", str(tiny_dir), "--out", str(tmp_path / "run"), "--quiet",
            "--executor", "dask", "--scheduler", "tls://s:8786", "--lang", "en"]  # fmt: skip
    assert main(argv) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [
        "error: the scheduler tls://s:8786 is reached over TLS: give --tls-ca-file, "
        "--tls-cert and --tls-key"
    ]
