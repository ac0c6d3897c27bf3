"""Starting the dashboard: Voilà on the shipped ``dashboard.ipynb``, loopback by default.

``crmkit dashboard PARAMS...`` checks that each portfolio has a finished run, picks a free port
(or the one given), and starts Voilà on 127.0.0.1. Binding any other address exposes client
data to the network, so it requires a token (``--token`` or ``CRMKIT_DASHBOARD_TOKEN``) that
every visitor must add to the URL; without one the command refuses.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from crmkit.core.resources import resource_path
from crmkit.dashboard.app import ENV_PARAMS
from crmkit.dashboard.data import DashboardError, run_dates
from crmkit.params import load_params

__all__ = ["ENV_TOKEN", "DEFAULT_HOST", "Server", "notebook_path", "free_port", "is_loopback",
           "server_command", "start", "wait"]

#: Environment variable holding the access token for a non-loopback host.
ENV_TOKEN = "CRMKIT_DASHBOARD_TOKEN"
DEFAULT_HOST = "127.0.0.1"
_MIN_TOKEN = 16


def notebook_path() -> Path:
    """The shipped Voilà notebook."""
    return resource_path("notebooks", "dashboard.ipynb")


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port free on ``host`` right now."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Server:
    """What :func:`start` started."""

    process: subprocess.Popen
    url: str
    command: list[str]


def _token(host: str, token: str | None) -> str | None:
    token = token or os.environ.get(ENV_TOKEN) or None
    if not is_loopback(host):
        if not token:
            raise DashboardError(
                f"--host {host} would show client data to other machines: give an access "
                f"token with --token or the {ENV_TOKEN} environment variable (at least "
                f"{_MIN_TOKEN} characters, e.g. python -c 'import secrets; "
                "print(secrets.token_urlsafe(24))'), or leave --host at 127.0.0.1")
        if len(token) < _MIN_TOKEN:
            raise DashboardError(f"the access token has {len(token)} characters; use at least "
                                 f"{_MIN_TOKEN} (a random one: secrets.token_urlsafe(24))")
    return token


def server_command(host: str, port: int, token: str | None) -> list[str]:
    """The Voilà command line (the token, when given, is required on every request)."""
    cmd = [sys.executable, "-m", "voila", str(notebook_path()), "--no-browser",
           f"--port={port}", f"--Voila.ip={host}", "--VoilaConfiguration.show_tracebacks=False",
           # a page closed without saying so leaves its kernel: stop it after 30 idle minutes
           "--MappingKernelManager.cull_idle_timeout=1800",
           "--MappingKernelManager.cull_interval=300"]
    if token:
        cmd.append(f"--token={token}")
    return cmd


def _check_runs(params_files: Sequence[Path]) -> list[Path]:
    from crmkit.batch.runner import expand_params

    files = [Path(p).resolve() for p in expand_params(list(params_files))]
    if not files:
        raise DashboardError("no parameters files given: crmkit dashboard PARAMS.yaml ...")
    for f in files:
        p = load_params(f)
        if not run_dates(p):
            raise DashboardError(f"{f}: portfolio {p.portfolio!r} has no finished run in "
                                 f"{p.output_dir / p.portfolio}; run 'crmkit run {f}' first")
    return files


def start(params_files: Sequence[Path], host: str = DEFAULT_HOST, port: int | None = None,
          token: str | None = None, stdout=None, stderr=None) -> Server:
    """Start Voilà in a child process and return it with the URL to open.

    Raises :class:`DashboardError` when a portfolio has no run yet, or ``host`` is not a
    loopback address and no token is given.
    """
    token = _token(host, token)
    files = _check_runs(params_files)
    port = port or free_port(host if is_loopback(host) else "0.0.0.0")
    env = dict(os.environ, **{ENV_PARAMS: os.pathsep.join(map(str, files))})
    env.pop(ENV_TOKEN, None)  # the kernel does not need it
    cmd = server_command(host, port, token)
    proc = subprocess.Popen(cmd, env=env, stdout=stdout, stderr=stderr,
                            cwd=str(notebook_path().parent))
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    return Server(proc, url, cmd)


def wait(server: Server) -> int:
    """Wait for the server to stop; Ctrl+C or SIGTERM stops it (and so its kernels) first."""
    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return server.process.wait()
    except KeyboardInterrupt:
        server.process.terminate()
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.process.kill()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
