import { describe, expect, it } from "vitest";
import { estimateEta, etaNow, initialJob, reduceJob, shotStates, withRowProgress, type JobEvent, type JobLive } from "../src/jobstate";

// A job's journal as the server streams it (GET /jobs/{id}/events), seq and ts included.
const RUN: JobEvent[] = [
  { seq: 1, ts: 100, event: "job_queued", kind: "promo" },
  { seq: 2, ts: 101, event: "job_started" },
  { seq: 3, ts: 101, event: "node_started", node: "ingest" },
  { seq: 4, ts: 102, event: "node_finished", node: "ingest", seconds: 1 },
  { seq: 5, ts: 102, event: "job_progress", stage: "concept", progress: 8 },
  { seq: 6, ts: 103, event: "node_started", node: "qa_plan" },
  { seq: 7, ts: 103, event: "qa_verdict", stage: "plan", passed: true, attempt: 0, violations: [], redo: null },
  { seq: 8, ts: 104, event: "node_started", node: "render_await" },
  { seq: 9, ts: 106, event: "job_progress", stage: "render_await", progress: 25 },
];

function fold(events: JobEvent[], start: JobLive = initialJob(), now = 1000): JobLive {
  return events.reduce((live, event) => reduceJob(live, event, now), start);
}

describe("reduceJob", () => {
  it("follows stages, progress and QA verdicts", () => {
    const live = fold(RUN);
    expect(live.status).toBe("running");
    expect(live.stage).toBe("render_await");
    expect(live.progress).toBe(25);
    expect(live.stages.ingest).toBe("done");
    expect(live.stages.qa_plan).toBe("done");
    expect(live.stages.render_await).toBe("active");
    expect(live.stages.compose).toBe("pending");
    expect(live.verdicts).toEqual([{ stage: "plan", passed: true, attempt: 0, violations: [], redo: null }]);
    expect(live.lastSeq).toBe(9);
  });

  it("estimates the time left from the run's own pace", () => {
    const live = fold(RUN, initialJob(), 500);
    // 25 % after 5 s (started at ts 101, progress at ts 106): 15 s to go.
    expect(live.etaS).toBe(15);
    expect(etaNow(live, 504)).toBe(11);
    expect(etaNow(live, 600)).toBe(0);
    expect(estimateEta(1, 3)).toBeNull(); // too early to say
  });

  it("ignores an event replayed after a reconnect", () => {
    const live = fold(RUN);
    expect(reduceJob(live, { seq: 5, ts: 102, event: "job_progress", stage: "concept", progress: 8 }, 0)).toBe(live);
  });

  it("never moves progress backwards and reopens the stages a QA retry goes back to", () => {
    const live = fold([
      ...RUN,
      { seq: 10, event: "node_started", node: "qa_output" },
      { seq: 11, event: "job_progress", stage: "qa_output", progress: 88 },
      { seq: 12, event: "qa_verdict", stage: "output", passed: false, attempt: 0, violations: ["shot 2 blurred"], redo: "compose" },
      { seq: 13, event: "node_started", node: "compose" },
      { seq: 14, event: "job_progress", stage: "compose", progress: 70 },
    ]);
    expect(live.progress).toBe(88);
    expect(live.stages.compose).toBe("active");
    expect(live.stages.qa_output).toBe("pending");
    expect(live.verdicts.at(-1)?.redo).toBe("compose");
  });

  it("ends on job_result with the outcome and the files", () => {
    const live = fold([
      ...RUN,
      { seq: 10, event: "job_finished", status: "completed", error: null },
      { seq: 11, event: "job_result", status: "completed", error: null, progress: 99, assets: ["video_9x16.mp4", "qa.json"] },
    ]);
    expect(live.finished).toBe(true);
    expect(live.progress).toBe(100);
    expect(live.assets).toEqual(["video_9x16.mp4", "qa.json"]);
    expect(etaNow(live, 2000)).toBeNull();
  });

  it("waits for approval, then runs again once approved", () => {
    let live = fold([
      { seq: 1, event: "job_started" },
      { seq: 2, event: "job_paused", status: "awaiting_approval" },
      { seq: 3, event: "job_awaiting_approval", assets: ["storyboard.png", "plan.json"] },
    ]);
    expect(live.status).toBe("awaiting_approval");
    expect(live.finished).toBe(false);
    expect(live.assets).toContain("storyboard.png");
    live = fold([{ seq: 4, event: "job_approved" }, { seq: 5, event: "job_resumed" }], live);
    expect(live.status).toBe("running");
  });

  it("records a failed node and the failure", () => {
    const live = fold([
      { seq: 1, event: "node_started", node: "ingest" },
      { seq: 2, event: "node_failed", node: "ingest", error: "not an image" },
      { seq: 3, event: "job_result", status: "failed", error: "ingest: not an image", assets: [] },
    ]);
    expect(live.stages.ingest).toBe("failed");
    expect(live.error).toBe("ingest: not an image");
    expect(live.progress).toBe(0);
  });
});

describe("withRowProgress", () => {
  it("takes the record's progress between stream reports, never backwards, never past 99 live", () => {
    const live = fold(RUN); // 25 %
    expect(withRowProgress(live, 30).progress).toBe(30);
    expect(withRowProgress(live, 10).progress).toBe(25);
    expect(withRowProgress(live, 100).progress).toBe(99);
    const done = reduceJob(live, { seq: 30, event: "job_result", status: "completed", assets: [] }, 0);
    expect(withRowProgress(done, 50)).toBe(done);
  });
});

describe("shotStates", () => {
  it("moves every shot with the stage and ends done", () => {
    const rendering = fold(RUN);
    expect(shotStates(rendering, 3)).toEqual(["rendering", "rendering", "rendering"]);
    const composing = reduceJob(rendering, { seq: 20, event: "node_started", node: "compose" }, 0);
    expect(shotStates(composing, 2)).toEqual(["composing", "composing"]);
    expect(shotStates(initialJob(), 2)).toEqual(["planned", "planned"]);
    const done = reduceJob(composing, { seq: 21, event: "job_result", status: "completed", assets: [] }, 0);
    expect(shotStates(done, 1)).toEqual(["done"]);
  });
});
