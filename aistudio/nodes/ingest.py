"""Ingest: validate the reference photo and learn the product from it.

Also `store_photo`, the first step of a LangGraph Studio run: Studio hands the graph JSON, a
brief and a photo path or URL, where a job's brief is validated and its photo stored before
the job starts.
"""

from __future__ import annotations

import hashlib

from langgraph.runtime import Runtime
from pydantic import ValidationError

from aistudio.artifacts import Brief
from aistudio.errors import InputError
from aistudio.nodes.common import Update, node, toolbox
from aistudio.pipeline import VideoState
from aistudio.tools.photo import read_photo
from aistudio.tools.toolbox import StudioContext


@node("store_photo")
async def store_photo(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    tools = toolbox(runtime)
    try:
        brief = Brief.model_validate(state["brief"])  # JSON from Studio: a dict
    except ValidationError as exc:
        raise InputError(f"invalid brief: {exc.errors()[0]['msg']}") from exc
    data = await read_photo(state["photo"], tools.settings)
    reference = await tools.storage.put_bytes(
        data, kind="reference", mime="application/octet-stream", ext="bin"
    )
    update: Update = {"brief": brief, "reference": reference, "status": "running"}
    if not state.get("job_id"):  # the Studio thread names the job (providers, logs)
        thread = runtime.execution_info.thread_id if runtime.execution_info else None
        update["job_id"] = thread or f"studio-{hashlib.sha256(data).hexdigest()[:12]}"
    if "out_dir" not in state:
        update["out_dir"] = ""
    return update


@node("ingest")
async def ingest(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    tools = toolbox(runtime)
    data = await tools.storage.read_bytes(state["reference"])
    product = await tools.ingestor.ingest(data, source_name=state["reference"].key)
    return {"product": product, "status": "running"}
