import { describe, expect, it } from "vitest";
import { checkLabel, failedFrames, shotMidpoints, sortedChecks, videoName, type QaCheck, type QaDocument } from "../src/qa";

const check = (over: Partial<QaCheck>): QaCheck => ({ name: "sharpness", score: 0.9, passed: true, measured: "", violation: null, redo: null, aspect: null, shot_index: null, ...over });
const plan = { plan: { shots: [{ shot_index: 1, duration_s: 4 }, { shot_index: 0, duration_s: 3 }, { shot_index: 2, duration_s: 2 }] } };

describe("QA report helpers", () => {
  it("places each shot's middle on the video's timeline", () => {
    expect([...shotMidpoints(plan)]).toEqual([[0, 1.5], [1, 5], [2, 8]]);
    expect(shotMidpoints(null).size).toBe(0);
  });

  it("points each failed per-shot output check at its frame", () => {
    const doc: QaDocument = {
      plan: null,
      output: {
        stage: "output",
        attempt: 1,
        checks: [
          check({ name: "product_fidelity", passed: false, score: 0.2, shot_index: 1, aspect: "1:1", violation: "product lost" }),
          check({ name: "loudness", passed: false, score: 0.4 }), // the whole video: no one frame
          check({ name: "sharpness", passed: true, shot_index: 0 }),
          check({ name: "blur", passed: false, shot_index: 2 }),
        ],
      },
    };
    const frames = failedFrames(doc, plan, "9:16");
    expect(frames.map((f) => [f.check.name, f.aspect, f.timeS])).toEqual([
      ["product_fidelity", "1:1", 5],
      ["blur", "9:16", 8],
    ]);
    expect(videoName("16:9")).toBe("video_16x9.mp4");
  });

  it("lists failures first and labels checks for people", () => {
    const sorted = sortedChecks({ stage: "output", attempt: 0, checks: [check({ name: "b" }), check({ name: "a", passed: false }), check({ name: "a" })] });
    expect(sorted.map((c) => [c.name, c.passed])).toEqual([["a", false], ["a", true], ["b", true]]);
    expect(checkLabel("caption_legibility")).toBe("Caption legibility");
    expect(checkLabel("fidelity.shot2")).toBe("Fidelity");
    expect(checkLabel("plan.caption_length")).toBe("Caption length");
    expect(checkLabel("caption.1")).toBe("Caption 1");
  });
});
