"""The Determined client against a modelreg server that serves HTTPS itself
(`--tls-cert`/`--tls-key`), with a self-signed certificate made here and given
to the client as `DET_MASTER_CERT_FILE` (CLI) or `cert_path=` (SDK)."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

import pytest
import requests
from conftest import Api, create_checkpoint, isolate_det_env, start_server, unique
from determined.experimental import client


def make_certificate(folder: Path) -> tuple:
    """A self-signed certificate for 127.0.0.1 and localhost; returns (cert, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture(autouse=True)
def no_ca_bundle_override(monkeypatch):
    """requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override a session's own
    CA file (psf/requests#3829), so with either set, the client ignores
    DET_MASTER_CERT_FILE and cert_path=. Some CI images set them: clear them."""
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """(server, cert path): a second server, on HTTPS only."""
    base = tmp_path_factory.mktemp("modelreg-tls")
    cert, key = make_certificate(base)
    srv = start_server(
        base, ["--tls-cert", str(cert), "--tls-key", str(key)], scheme="https", ca_file=cert
    )
    try:
        yield srv, cert
    finally:
        srv.stop()


def test_det_cli_with_det_master_cert_file(tls_server, fresh_det_env, det_cli, monkeypatch):
    srv, cert = tls_server
    isolate_det_env(monkeypatch, fresh_det_env, srv.url)
    env = {"DET_MASTER_CERT_FILE": str(cert)}
    name = unique("tls")
    # GET /info (version check), login, then the model calls: all over HTTPS.
    det_cli("model", "create", name, master=srv.url, env=env)
    assert name in det_cli("model", "list", master=srv.url, env=env).stdout
    assert "'determined'" in det_cli("user", "whoami", master=srv.url, env=env).stdout
    described = det_cli("model", "describe", name, "--json", master=srv.url, env=env).json()
    assert described["name"] == name


def test_det_cli_asks_about_an_unknown_certificate(tls_server, fresh_det_env, det_cli, monkeypatch):
    srv, _ = tls_server
    isolate_det_env(monkeypatch, fresh_det_env, srv.url)
    # Without DET_MASTER_CERT_FILE the CLI shows the certificate's fingerprint and asks.
    res = det_cli("model", "list", master=srv.url, check=False, input="n\n")
    assert res.returncode != 0, res
    assert "untrusted certificate" in res.output and "Unable to verify master certificate" in res.output
    # Saying yes stores it (certs.json in the client's config dir) for later commands.
    res = det_cli("model", "list", master=srv.url, input="y\n")
    assert "untrusted certificate" in res.output
    res = det_cli("model", "list", master=srv.url)
    assert "untrusted certificate" not in res.output


def test_sdk_with_cert_path(tls_server, fresh_det_env, monkeypatch, tmp_path):
    srv, cert = tls_server
    isolate_det_env(monkeypatch, fresh_det_env, srv.url)
    d = client.Determined(master=srv.url, cert_path=str(cert))
    model = d.create_model(unique("tls-sdk"), metadata={"a": 1})
    api = Api(srv.url)
    api.http.verify = str(cert)
    api.login()
    u = create_checkpoint(api, resources={"model.pt": "1"}, metadata={"steps_completed": 1})["uuid"]
    assert model.register_version(u).model_version == 1
    assert d.get_model(model.name).metadata == {"a": 1}


def test_plain_http_is_not_served_on_the_tls_port(tls_server):
    srv, _ = tls_server
    plain = srv.url.replace("https://", "http://")
    with pytest.raises(requests.RequestException):
        r = requests.get(f"{plain}/health", timeout=5)
        # Some TLS stacks answer plain HTTP with a 400 instead of closing: that is fine too.
        if r.status_code >= 400:
            raise requests.RequestException(r.status_code)
        pytest.fail(f"plain HTTP answered {r.status_code} on the TLS port")
