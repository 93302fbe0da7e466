"""Entry points for langgraph.json (LangGraph Studio / `langgraph dev`).

Compiled WITHOUT a checkpointer: the dev server brings its own and rejects one compiled in.
These module-level graphs are the one sanctioned import-time construction (DESIGN §2).

Each takes Studio's input: the brief and the photo as a file path or an http(s) URL (their
first step stores it), and runs on a toolbox built from the environment's Settings unless
the run's context chooses otherwise (`StudioContext`).
"""

from __future__ import annotations

from aistudio.graph.planning import build_planning_graph
from aistudio.graph.video import build_video_graph

# A whole job: plan, render, compose, QA, publish.
video_graph = build_video_graph(photo_input=True).compile(name="video")
# The planning half alone: what a quote or a storyboard preview runs (nothing rendered).
planning_graph = build_planning_graph(photo_input=True).compile(name="planning")
# The brief agent's graph (graph/brief.py) joins these here and in langgraph.json.
