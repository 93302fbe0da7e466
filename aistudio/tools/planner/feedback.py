"""Stable tokens that start QA violation texts; agents recognise them in `feedback`.

Output QA (nodes/output_checks.py) writes them; the planner acts on them on a retry.
"""

from __future__ import annotations

FEEDBACK_CAPTION_ILLEGIBLE = "caption-illegible"  # enlarge captions
FEEDBACK_FIDELITY_LOW = "fidelity-low"  # show the product bigger / steadier
FEEDBACK_HUMANS_IN_PROMO = "humans-in-promo"  # product-only wording and framing
FEEDBACK_VOICE_TOO_LONG = "voice-too-long"  # shorter voice-over lines
FEEDBACK_CUTOUT_POOR = "cutout-poor"  # visual: show the whole photo, not its cut-out
