// A job's live state, folded from its event stream (GET /api/v1/jobs/{id}/events).
// Pure: the job screen renders whatever `reduceJob` returns.

export const STAGES: ReadonlyArray<readonly [node: string, label: string]> = [
  ["ingest", "Reading the photo"],
  ["moderate_input", "Checking the photo"],
  ["concept", "Concept"],
  ["visual", "Visuals"],
  ["audio", "Voice and music plan"],
  ["assembly", "Assembly"],
  ["qa_plan", "Plan QA"],
  ["render_submit", "Submitting shots"],
  ["render_await", "Rendering shots"],
  ["compose", "Composing the video"],
  ["qa_output", "Output QA"],
  ["publish", "Publishing"],
];
const ORDER = new Map(STAGES.map(([node], index) => [node, index]));
/** Every node's label: the stages, and `revise` (a person's instruction being applied). */
export const NODE_LABELS = new Map<string, string>([...STAGES, ["revise", "Applying your revision"]]);

export type StageState = "pending" | "active" | "done" | "failed";
export type ShotState = "planned" | "rendering" | "rendered" | "composing" | "checking" | "done";

export const FINAL_STATUSES = new Set(["completed", "completed_with_warnings", "failed", "cancelled"]);

export interface QaVerdict {
  stage: string;
  passed: boolean;
  attempt: number;
  violations: string[];
  redo: string | null;
}

export interface JobLive {
  status: string;
  stage: string | null;
  progress: number;
  stages: Record<string, StageState>;
  verdicts: QaVerdict[];
  error: string | null;
  assets: string[];
  /** Server time (s) the current run started, for the ETA. */
  startedAt: number | null;
  /** Seconds left, as estimated when the last progress event arrived. */
  etaS: number | null;
  /** Local time (s) of that estimate: the screen counts down from it. */
  etaAt: number | null;
  finished: boolean;
  lastSeq: number;
  /** The instructions the plan was revised with, oldest first (`job_revised` events). */
  revisions: string[];
}

export function initialJob(status = "queued", stage: string | null = null, progress = 0): JobLive {
  const stages: Record<string, StageState> = {};
  for (const [node] of STAGES) stages[node] = "pending";
  const live: JobLive = {
    status,
    stage,
    progress,
    stages,
    verdicts: [],
    error: null,
    assets: [],
    startedAt: null,
    etaS: null,
    etaAt: null,
    finished: FINAL_STATUSES.has(status),
    lastSeq: 0,
    revisions: [],
  };
  return stage ? enterStage(live, stage) : live;
}

function enterStage(live: JobLive, node: string): JobLive {
  const at = ORDER.get(node);
  if (at === undefined) return { ...live, stage: node };
  const stages: Record<string, StageState> = {};
  for (const [name, index] of ORDER) {
    // A QA retry goes back to an earlier node: what comes after it is to do again.
    stages[name] = index < at ? "done" : index === at ? "active" : "pending";
  }
  return { ...live, stage: node, stages };
}

const MIN_PROGRESS_FOR_ETA = 5;

/** Seconds left at `progress` percent after `elapsedS` seconds, or null when unknown. */
export function estimateEta(elapsedS: number, progress: number): number | null {
  if (progress < MIN_PROGRESS_FOR_ETA || progress >= 100 || elapsedS <= 0) return null;
  return Math.round((elapsedS * (100 - progress)) / progress);
}

/** The countdown shown between events: the estimate less the time since it was made. */
export function etaNow(live: JobLive, nowS: number): number | null {
  if (live.etaS === null || live.etaAt === null || live.finished) return null;
  return Math.max(0, Math.round(live.etaS - (nowS - live.etaAt)));
}

/** The job record's progress (GET /jobs/{id}), which moves as each stage starts; the
 * bar never goes back. A finished job is not reopened by a late read. */
export function withRowProgress(live: JobLive, progress: number): JobLive {
  return live.finished ? live : { ...live, progress: Math.max(live.progress, Math.min(99, progress)) };
}

export interface JobEvent {
  event?: string;
  seq?: number;
  ts?: number;
  [key: string]: unknown;
}

/** Fold one event into the state. `nowS` is the local clock (seconds) at arrival. */
export function reduceJob(live: JobLive, event: JobEvent, nowS: number): JobLive {
  const seq = typeof event.seq === "number" ? event.seq : live.lastSeq;
  if (seq <= live.lastSeq && typeof event.seq === "number") return live; // a replayed event
  let next: JobLive = { ...live, lastSeq: seq };
  const ts = typeof event.ts === "number" ? event.ts : null;
  const node = typeof event.node === "string" ? event.node : null;
  switch (event.event) {
    case "job_queued":
    case "job_approved":
      return { ...next, status: "queued", finished: false };
    case "job_revised": {
      // Back to planning: the plan shown is no longer the one that will be approved.
      const instruction = typeof event.instruction === "string" ? event.instruction : "";
      return { ...next, status: "queued", finished: false, assets: [], revisions: [...next.revisions, instruction] };
    }
    case "job_started":
    case "job_resumed":
      return { ...next, status: "running", startedAt: ts ?? next.startedAt, finished: false };
    case "node_started":
      return node ? { ...enterStage(next, node), status: "running" } : next;
    case "node_finished":
      if (node && node in next.stages) next = { ...next, stages: { ...next.stages, [node]: "done" } };
      return next;
    case "node_failed":
      if (node && node in next.stages) next = { ...next, stages: { ...next.stages, [node]: "failed" } };
      return { ...next, error: typeof event.error === "string" ? event.error : next.error };
    case "job_progress": {
      const progress = Math.max(next.progress, Number(event.progress) || 0);
      const stage = typeof event.stage === "string" ? event.stage : next.stage;
      if (stage && stage !== next.stage) next = enterStage(next, stage);
      const elapsed = ts !== null && next.startedAt !== null ? ts - next.startedAt : 0;
      return { ...next, progress, etaS: estimateEta(elapsed, progress), etaAt: nowS };
    }
    case "qa_verdict":
      return {
        ...next,
        verdicts: [
          ...next.verdicts,
          {
            stage: String(event.stage ?? ""),
            passed: Boolean(event.passed),
            attempt: Number(event.attempt ?? 0),
            violations: Array.isArray(event.violations) ? event.violations.map(String) : [],
            redo: typeof event.redo === "string" ? event.redo : null,
          },
        ],
      };
    case "job_awaiting_approval":
      return { ...next, status: "awaiting_approval", etaS: null, assets: stringList(event.assets) };
    case "job_paused":
    case "job_finished":
      return { ...next, status: typeof event.status === "string" ? event.status : next.status };
    case "job_result": {
      const status = typeof event.status === "string" ? event.status : next.status;
      return {
        ...next,
        status,
        progress: status === "completed" || status === "completed_with_warnings" ? 100 : next.progress,
        error: typeof event.error === "string" ? event.error : null,
        assets: stringList(event.assets),
        finished: true,
        etaS: null,
      };
    }
    default:
      return next;
  }
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/**
 * Where each shot is, from the stage the job is in. The event stream names stages, not
 * shots, so every shot moves together; at the end the QA report says which shot failed.
 */
export function shotStates(live: JobLive, count: number): ShotState[] {
  const at = ORDER.get(live.stage ?? "") ?? -1;
  let state: ShotState = "planned";
  if (live.finished && (live.status === "completed" || live.status === "completed_with_warnings")) {
    state = "done";
  } else if (at >= (ORDER.get("qa_output") ?? 0)) {
    state = live.stages.qa_output === "done" ? "done" : "checking";
  } else if (at >= (ORDER.get("compose") ?? 0)) {
    state = "composing";
  } else if (at >= (ORDER.get("render_await") ?? 0)) {
    state = live.stages.render_await === "done" ? "rendered" : "rendering";
  }
  return Array.from({ length: count }, () => state);
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
}
