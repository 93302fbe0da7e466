"""Entry points for langgraph.json (LangGraph Studio / `langgraph dev`).

Compiled WITHOUT a checkpointer: the dev server brings its own and rejects one compiled in.
These module-level graphs are the one sanctioned import-time construction (DESIGN §2).
"""

from __future__ import annotations

from aistudio.graph.video import build_video_graph

video_graph = build_video_graph().compile(name="aistudio-video")
