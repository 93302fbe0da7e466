import { describe, expect, it } from "vitest";
import { initialJob, reduceJob, type JobEvent, type JobLive } from "../src/jobstate";
import { checkInstruction, MAX_INSTRUCTION, shotChoices } from "../src/revise";

function fold(events: JobEvent[], start: JobLive = initialJob("awaiting_approval")): JobLive {
  return events.reduce((live, event) => reduceJob(live, event, 1000), start);
}

describe("checkInstruction", () => {
  it("collapses white space and refuses an empty or too long instruction", () => {
    expect(checkInstruction("  shorter,\n warmer  ")).toEqual({ instruction: "shorter, warmer" });
    expect(checkInstruction(" \t\n")).toEqual({ error: "Say what should change." });
    const long = checkInstruction("x".repeat(MAX_INSTRUCTION + 1));
    expect("error" in long && long.error).toContain(`${MAX_INSTRUCTION + 1}`);
    expect(checkInstruction("y".repeat(MAX_INSTRUCTION))).toEqual({ instruction: "y".repeat(MAX_INSTRUCTION) });
  });
});

describe("a revised plan in the event stream", () => {
  // A job waiting for approval, revised twice: back to planning, then waiting again.
  const REVISED: JobEvent[] = [
    { seq: 10, ts: 10, event: "job_awaiting_approval", assets: ["plan.json", "storyboard.png"] },
    { seq: 11, ts: 11, event: "job_revised", instruction: "shorter, warmer" },
    { seq: 12, ts: 12, event: "job_resumed" },
    { seq: 13, ts: 12, event: "node_started", node: "revise" },
    { seq: 14, ts: 13, event: "node_started", node: "concept" },
    { seq: 15, ts: 14, event: "job_paused", status: "awaiting_approval" },
    { seq: 16, ts: 14, event: "job_awaiting_approval", assets: ["plan.json", "storyboard.png"] },
    { seq: 17, ts: 15, event: "job_revised", instruction: "square" },
  ];

  it("goes back to planning, keeps the instructions and waits again", () => {
    const revised = fold(REVISED.slice(0, 2));
    expect(revised.status).toBe("queued");
    expect(revised.assets).toEqual([]); // the storyboard shown is stale
    expect(revised.revisions).toEqual(["shorter, warmer"]);
    const planning = fold(REVISED.slice(0, 4));
    expect(planning.status).toBe("running");
    expect(planning.stage).toBe("revise");
    const waiting = fold(REVISED.slice(0, 7));
    expect(waiting.status).toBe("awaiting_approval");
    expect(waiting.stages.concept).toBe("active");
    expect(waiting.assets).toEqual(["plan.json", "storyboard.png"]);
    const again = fold(REVISED);
    expect(again.revisions).toEqual(["shorter, warmer", "square"]);
    expect(again.finished).toBe(false);
  });

  it("ignores a replayed revise event", () => {
    const once = fold(REVISED.slice(0, 2));
    expect(reduceJob(once, REVISED[1]!, 1000).revisions).toEqual(["shorter, warmer"]);
  });
});

describe("shotChoices", () => {
  it("lists the plan's shots, 1-based, with their descriptions", () => {
    const plan = {
      plan: { shots: [{ shot_index: 1, duration_s: 2 }, { shot_index: 0, duration_s: 3 }] },
      shots: {
        shots: [
          { index: 0, duration_s: 3, description: "The bottle on warm silk" },
          { index: 1, duration_s: 2, description: "", caption: "Amber and vanilla" },
        ],
      },
    };
    expect(shotChoices(plan)).toEqual([
      { number: 1, label: "Shot 1: The bottle on warm silk" },
      { number: 2, label: "Shot 2: Amber and vanilla" },
    ]);
  });

  it("shortens long descriptions and copes with a missing plan", () => {
    const long = "a".repeat(80);
    const [choice] = shotChoices({ shots: { shots: [{ index: 0, duration_s: 1, description: long }] } });
    expect(choice?.label.length).toBeLessThanOrEqual("Shot 1: ".length + 58);
    expect(choice?.label.endsWith("…")).toBe(true);
    expect(shotChoices(null)).toEqual([]);
  });
});
