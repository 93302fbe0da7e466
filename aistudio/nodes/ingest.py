"""Ingest: validate the reference photo and learn the product from it."""

from __future__ import annotations

from langgraph.runtime import Runtime

from aistudio.nodes.common import Update, node, toolbox
from aistudio.pipeline import VideoState
from aistudio.tools.toolbox import StudioContext


@node("ingest")
async def ingest(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    tools = toolbox(runtime)
    data = await tools.storage.read_bytes(state["reference"])
    product = await tools.ingestor.ingest(data, source_name=state["reference"].key)
    return {"product": product, "status": "running"}
