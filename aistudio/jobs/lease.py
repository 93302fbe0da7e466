"""Which server runs which job, when several share one job store.

A job is leased to one server (`owner`, `lease_until` on its row); the owner renews the
leases of the jobs it runs every heartbeat. A server adopts an open job only when nobody
holds it (a new job, a finished pause) or its lease ran out (its server died): so a job
is never run twice at once, and never lost while any server is up.

A server's name must survive its own restart, or a restarted server would wait out its
own leases: it is the host name plus the first free slot of the data folder, held by an
advisory lock for the process's life (a second server on the same host and folder takes
the next slot; the kernel frees the lock when the process dies, even by SIGKILL).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from sqlalchemy.exc import SQLAlchemyError

from aistudio.errors import ToolUnavailable
from aistudio.jobs.models import utcnow
from aistudio.jobs.store import JobStore
from aistudio.settings import Settings

MAX_SLOTS = 64
log = logging.getLogger("aistudio.jobs")


class InstanceSlot:
    """An exclusive, process-lifetime claim on `<data>/instances/slot-N.lock`."""

    def __init__(self, data_dir: Path) -> None:
        self._folder = data_dir / "instances"
        self._handle: IO[bytes] | None = None

    def acquire(self) -> str:
        self._folder.mkdir(parents=True, exist_ok=True)
        for slot in range(MAX_SLOTS):
            handle = (self._folder / f"slot-{slot}.lock").open("ab")
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            self._handle = handle
            handle.truncate(0)
            handle.write(f"{os.getpid()}\n".encode())
            handle.flush()
            return f"{socket.gethostname()}:{slot}"
        raise ToolUnavailable(
            f"all {MAX_SLOTS} server slots of {self._folder} are taken; "
            "set AISTUDIO_SERVER__INSTANCE_ID"
        )

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file drops the lock
            self._handle = None


class Leases:
    """This server's side of the job leases: its name, and the store calls that take,
    keep and give up leases, each with the right expiry."""

    def __init__(self, store: JobStore, settings: Settings) -> None:
        self.store = store
        self.ttl = timedelta(seconds=settings.server.lease_ttl_s)
        self._configured = settings.server.instance_id
        self._slot = InstanceSlot(settings.data_dir)
        self.owner = ""

    def open(self) -> str:
        self.owner = self._configured or self._slot.acquire()
        return self.owner

    def close(self) -> None:
        self._slot.release()

    def until(self) -> datetime:
        return utcnow() + self.ttl

    async def start(self, job_id: str) -> bool:
        """Take the job's lease and mark it running, in one statement."""
        return await self.store.claim(job_id, self.owner, self.until(), utcnow(), status="running")

    async def adoptable(self) -> list[str]:
        return await self.store.adoptable(self.owner, utcnow())

    async def renew(self, job_ids: Collection[str]) -> set[str]:
        return await self.store.renew(self.owner, job_ids, self.until(), utcnow())

    async def release(self, job_ids: Collection[str]) -> None:
        await self.store.release(self.owner, job_ids)

    async def heartbeat(self, every_s: float, beat: Callable[[], Awaitable[None]]) -> None:
        """Call `beat` (renew, adopt, expire) every `every_s` until cancelled; a store that
        is down for a beat or two costs nothing but that beat."""
        while True:
            await asyncio.sleep(every_s)
            try:
                await beat()
            except (SQLAlchemyError, OSError) as exc:
                log.warning("lease heartbeat of %s failed: %s", self.owner, exc)
            except Exception:  # the heartbeat task's boundary: logged below
                # A heartbeat that died would let the leases of running jobs lapse, and
                # another server would run them a second time: log and beat on.
                log.exception("lease heartbeat of %s failed", self.owner)
