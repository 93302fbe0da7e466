// The QA report of a job (its qa.json asset) and where in the video a failed per-shot
// check can be seen (its plan.json asset gives the shots' durations).

export interface QaCheck {
  name: string;
  score: number;
  passed: boolean;
  measured: string;
  violation: string | null;
  redo: string | null;
  aspect: string | null;
  shot_index: number | null;
}

export interface QaReport {
  stage: "plan" | "output";
  checks: QaCheck[];
  attempt: number;
}

export interface QaDocument {
  plan: QaReport | null;
  output: QaReport | null;
  passed?: boolean;
  error?: string;
}

export interface PlanDocument {
  plan?: { shots?: Array<{ shot_index: number; duration_s: number }>; aspect_ratios?: string[] };
  shots?: { shots?: Array<{ index: number; duration_s: number; description?: string; caption?: string }> };
  concept?: { title?: string; tagline?: string };
}

/** A check's name for people: "caption_legibility" -> "Caption legibility",
 * "fidelity.shot2" -> "Fidelity" (the shot has its own column), "plan.timing" -> "Timing". */
export function checkLabel(name: string): string {
  const words = name
    .replace(/^plan\./i, "")
    .replace(/\.shot\d+$/i, "")
    .replace(/[._-]+/g, " ")
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Seconds into the video where each shot's middle is (shots play one after another). */
export function shotMidpoints(plan: PlanDocument | null): Map<number, number> {
  const shots = plan?.plan?.shots ?? plan?.shots?.shots?.map((s) => ({ shot_index: s.index, duration_s: s.duration_s })) ?? [];
  const out = new Map<number, number>();
  let start = 0;
  for (const shot of [...shots].sort((a, b) => a.shot_index - b.shot_index)) {
    out.set(shot.shot_index, Math.round((start + shot.duration_s / 2) * 100) / 100);
    start += shot.duration_s;
  }
  return out;
}

export interface FailedFrame {
  check: QaCheck;
  aspect: string;
  timeS: number;
}

/**
 * The frames to show for failed checks: a per-shot check of the output points at the
 * middle of its shot in its aspect's video. Checks of the whole video have no one frame.
 */
export function failedFrames(doc: QaDocument | null, plan: PlanDocument | null, firstAspect: string): FailedFrame[] {
  const mids = shotMidpoints(plan);
  const frames: FailedFrame[] = [];
  for (const check of doc?.output?.checks ?? []) {
    if (check.passed || check.shot_index === null || check.shot_index === undefined) continue;
    const time = mids.get(check.shot_index);
    if (time === undefined) continue;
    frames.push({ check, aspect: check.aspect ?? firstAspect, timeS: time });
  }
  return frames;
}

/** The name of the published video of an aspect ratio ("9:16" -> "video_9x16.mp4"). */
export function videoName(aspect: string): string {
  return `video_${aspect.replace(":", "x")}.mp4`;
}

/** Checks sorted for reading: failures first, then by name, aspect and shot. */
export function sortedChecks(report: QaReport | null): QaCheck[] {
  return [...(report?.checks ?? [])].sort(
    (a, b) =>
      Number(a.passed) - Number(b.passed) ||
      a.name.localeCompare(b.name) ||
      String(a.aspect ?? "").localeCompare(String(b.aspect ?? "")) ||
      (a.shot_index ?? -1) - (b.shot_index ?? -1),
  );
}
