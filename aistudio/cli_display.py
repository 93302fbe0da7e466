"""Live per-node progress for the CLI, and the closing table of files and QA scores.

On a terminal: a rich progress bar per pipeline node. Elsewhere (CI, pipes, tests): one
plain line per event, so logs stay readable and a watcher can react to them.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from aistudio.jobs.runner import JobResult
from aistudio.pipeline import (
    PIPELINE,
    JobEvent,
    NodeFailed,
    NodeFinished,
    NodeProgress,
    NodeStarted,
)


class NodeDisplay:
    def __init__(self, console: Console, job_id: str) -> None:
        self.console = console
        self.job_id = job_id
        self.live = console.is_terminal
        self.progress = Progress(
            TextColumn("{task.description:<16}"),
            BarColumn(),
            TextColumn("{task.fields[note]}"),
            TimeElapsedColumn(),
            console=console,
            disable=not self.live,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> NodeDisplay:
        self.console.print(f"job [bold]{self.job_id}[/]", highlight=False)
        if self.live:
            self.progress.start()
            for name in PIPELINE:
                self.tasks[name] = self.progress.add_task(name, total=1.0, note="", start=False)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.live:
            self.progress.stop()

    def handle(self, event: JobEvent) -> None:
        fields: dict[str, Any] = event.model_dump()
        kind, name = fields.pop("event"), fields.pop("node", "")
        if not self.live:
            if not isinstance(event, NodeProgress):
                details = " ".join(f"{k}={v}" for k, v in fields.items())
                print(f"[{self.job_id}] {kind} {name} {details}".rstrip(), flush=True)
            return
        task = self.tasks.get(name)
        if task is None:
            return
        if isinstance(event, NodeStarted):
            self.progress.start_task(task)
            self.progress.update(task, completed=0.0, note="running")
        elif isinstance(event, NodeProgress):
            self.progress.update(task, completed=event.fraction, note=event.note)
        elif isinstance(event, NodeFinished):
            self.progress.update(task, completed=1.0, note=f"{event.seconds:.1f}s")
        elif isinstance(event, NodeFailed):
            self.progress.update(task, note=f"[red]{event.error}")


def print_result(console: Console, result: JobResult) -> None:
    values = result.values
    status = result.status
    colour = {"completed": "green", "completed_with_warnings": "yellow"}.get(status, "red")
    console.print(f"status: [bold {colour}]{status}[/]", highlight=False)
    if status == "failed":
        console.print(f"reason: {values.get('error', 'unknown')}", highlight=False)
    published: dict[str, str] = values.get("published") or {}
    if published:
        files = Table(title="files", show_lines=False)
        files.add_column("file")
        files.add_column("size", justify="right")
        for where in published.values():
            path = Path(where)
            size = f"{path.stat().st_size / 1024:,.0f} KiB" if path.exists() else ""
            files.add_row(str(path), size)
        console.print(files)
    plan_qa = values.get("plan_qa")
    for warning in plan_qa.warnings if plan_qa is not None else ():
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    report = values.get("output_qa")
    if report is not None:
        qa = Table(title=f"output QA ({'passed' if report.passed else 'warnings'})")
        for col in ("check", "aspect", "score", "measured", "ok"):
            qa.add_column(col)
        for check in report.checks:
            qa.add_row(
                check.name,
                check.aspect or "",
                f"{check.score:.2f}",
                check.measured,
                "[green]yes" if check.passed else "[red]no",
            )
        console.print(qa)
