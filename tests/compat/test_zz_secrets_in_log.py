"""Runs last (files are collected in name order): after the whole suite has
logged in, created users, changed passwords and failed logins on the shared
server, its log holds none of those secrets."""

from __future__ import annotations

from conftest import client_hash, login_as, unique

PASSWORDS = ("Passw0rdX", "N3wPassword", "Wr0ngPassword")


def test_the_server_log_holds_no_password_or_token(server, api, admin_api):
    assert login_as(server.url, unique("nobody"), "Wr0ngPassword").status_code == 401
    log = server.log()
    assert "failed login" in log  # failed logins are logged (user and address)...
    secrets = [api.token, admin_api.token]
    for p in PASSWORDS:
        secrets += [p, client_hash(p)]
    for secret in secrets:
        assert secret not in log, f"a secret ({secret[:4]}...) is in the server log"
    assert "Bearer " not in log
