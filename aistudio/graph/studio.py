"""Entry points for langgraph.json (LangGraph Studio / `langgraph dev`).

Compiled WITHOUT a checkpointer: the dev server brings its own and rejects one compiled in.
These module-level graphs are the one sanctioned import-time construction (DESIGN §2).

The video and planning graphs take Studio's input: the brief and the photo as a file path or
an http(s) URL (their first step stores it); the brief graph takes chat messages (a photo
as an image content block or a URL). Each runs on a toolbox built from the environment's
Settings unless the run's context chooses otherwise (`StudioContext`, `BriefContext`).
"""

from __future__ import annotations

from aistudio.graph.brief import BRIEF_GRAPH_ID, build_brief_graph
from aistudio.graph.planning import build_planning_graph
from aistudio.graph.video import build_video_graph

# A whole job: plan, render, compose, QA, publish.
video_graph = build_video_graph(photo_input=True).compile(name="video")
# The planning half alone: what a quote or a storyboard preview runs (nothing rendered).
planning_graph = build_planning_graph(photo_input=True).compile(name="planning")
# The brief agent: talk a brief into shape, preview its storyboard. Studio has no job
# system: its `render` and `job_status` tools answer that they are not available here.
brief_graph = build_brief_graph().compile(name=BRIEF_GRAPH_ID)
