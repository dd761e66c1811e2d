"""A real OpenID Connect provider (npm ``oidc-provider``, tests/oidc/) on a free loopback port,
for the staff sign-in journeys. Skips with the reason when Node.js or the package is missing
(``.ci/run`` installs it with ``npm ci``)."""

from __future__ import annotations

import os
import secrets
import selectors
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

OIDC_DIR = Path(__file__).resolve().parents[1] / "oidc"
CLIENT_ID = "partner-portal"


@dataclass(frozen=True)
class RunningProvider:
    issuer: str
    client_id: str
    client_secret: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_provider(redirect_uri: str) -> Iterator[RunningProvider]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the OIDC tests need it to run the test provider")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("the test OIDC provider is not installed: run `npm ci` in tests/oidc")
    port = free_port()
    secret = secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "PORT": str(port),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": secret,
        "REDIRECT_URI": redirect_uri,
    }
    process = subprocess.Popen(
        [node, "provider.mjs"],
        cwd=OIDC_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        # Wait for its "listening" line (no sleeping: block on the pipe, at most 30 s).
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout=30):
                pytest.fail("the test OIDC provider did not start within 30 s")
        line = process.stdout.readline().strip()
        if not line.startswith("listening "):
            pytest.fail(f"the test OIDC provider failed to start: {line!r}")
        yield RunningProvider(line.split(" ", 1)[1], CLIENT_ID, secret)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
