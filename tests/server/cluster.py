"""A queue-mode deployment on loopback for tests and benches: API and worker processes
(tests/server/procs.py) on one PostgreSQL database and one data folder."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def queue_env(data: Path, database_url: str, **extra: str) -> dict[str, str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AISTUDIO_", "FAL_", "REPLICATE_", "OPENAI_", "SUPABASE_"))
    }
    return {
        **base,
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "AISTUDIO_DATA_DIR": str(data),
        "AISTUDIO_MAX_QA_RETRIES": "0",
        "AISTUDIO_SERVER__DATABASE_URL": database_url,
        "AISTUDIO_SERVER__DEV_MODE": "true",
        "AISTUDIO_SERVER__SIGNING_SECRET": "test-secret",
        "AISTUDIO_SERVER__RATE_PER_S": "1000000",
        "AISTUDIO_SERVER__BURST": "1000000",
        "AISTUDIO_QUEUE__URL": database_url,
        "AISTUDIO_QUEUE__HEARTBEAT_S": "5",
        "AISTUDIO_QUEUE__SWEEP_S": "1",
        "AISTUDIO_QUEUE__RETRY_DELAY_S": "0",
        "AISTUDIO_QUEUE__SHUTDOWN_GRACE_S": "2",
        **extra,
    }


@dataclass
class Cluster:
    env: dict[str, str]
    tools: str = "fast"
    logs: Path | None = None
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        out = (self.logs / f"{name}.log").open("ab") if self.logs else subprocess.DEVNULL
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.server.procs", *args, "--tools", self.tools],
            cwd=ROOT,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a SIGKILL hits this process, not the test
        )
        self.procs[name] = proc
        return proc

    async def start_api(self, name: str, port: int | None = None) -> str:
        self.ports[name] = port or self.ports.get(name) or free_port()
        self._spawn(name, "api", "--port", str(self.ports[name]))
        base = self.url(name)
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:
            for _ in range(600):
                if self.procs[name].poll() is not None:
                    raise RuntimeError(f"{name} exited with {self.procs[name].returncode}")
                try:
                    if (await client.get("/ready")).status_code == 200:
                        return base
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{name} did not come up")

    def start_worker(self, name: str) -> None:
        self._spawn(name, "worker")

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs[name]
        if proc.poll() is None:
            proc.send_signal(sig)
        proc.wait(timeout=60)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
