import { describe, expect, it } from "vitest";
import { addPending, applyValues, chatItems, initialChat, reduceChat, toolSummary, type StreamPart } from "../src/chatstate";
import { EMPTY_BRIEF } from "../src/brief";

// One turn as the Agent Protocol streams it with stream_mode ["values", "messages-tuple",
// "custom"] (langgraph-api's shapes: message dicts with `type`, tuples of [chunk, meta]).
const human = { type: "human", id: "u1", content: [{ type: "text", text: "6 seconds, square" }] };
const callChunks: StreamPart[] = [
  { event: "messages", data: [{ type: "AIMessageChunk", id: "a1", content: "", tool_call_chunks: [{ index: 0, id: "call-1", name: "update_brief", args: '{"duration_s":' }] }, { langgraph_node: "chat" }] },
  { event: "messages", data: [{ type: "AIMessageChunk", id: "a1", content: "", tool_call_chunks: [{ index: 0, args: ' 6, "aspect_ratios": ["1:1"]}' }] }, { langgraph_node: "chat" }] },
];
const aiCall = { type: "ai", id: "a1", content: "", tool_calls: [{ id: "call-1", name: "update_brief", args: { duration_s: 6, aspect_ratios: ["1:1"] } }] };
const toolResult = { type: "tool", id: "t1", tool_call_id: "call-1", name: "update_brief", status: "success", content: '{"changed": {"duration_s": 6, "aspect_ratios": ["1:1"]}, "errors": {}}' };
const reply = [
  { event: "messages", data: [{ type: "AIMessageChunk", id: "a2", content: "Done: 6 s," }, {}] },
  { event: "messages", data: [{ type: "AIMessageChunk", id: "a2", content: " square." }, {}] },
];
const brief = { ...EMPTY_BRIEF, duration_s: 6, aspect_ratios: ["1:1" as const] };

function run(parts: StreamPart[], start = initialChat()) {
  return parts.reduce(reduceChat, start);
}

describe("reduceChat", () => {
  it("shows the user's message at once, then the echo replaces it", () => {
    let state = addPending(initialChat(), human);
    expect(state.streaming).toBe(true);
    expect(chatItems(state)).toHaveLength(1);
    state = reduceChat(state, { event: "values", data: { messages: [human] } });
    expect(state.partial).toEqual([]);
    expect(chatItems(state).map((i) => i.text)).toEqual(["6 seconds, square"]);
  });

  it("builds a tool card from streamed tool-call chunks, completes it from the tool result", () => {
    let state = run([{ event: "values", data: { messages: [human] } }, ...callChunks], addPending(initialChat(), human));
    let [, turn] = chatItems(state);
    expect(turn?.tools).toEqual([{ id: "call-1", name: "update_brief", args: { duration_s: 6, aspect_ratios: ["1:1"] }, status: "running", result: null }]);
    expect(toolSummary(turn!.tools[0]!)).toBe("working…");
    state = run(
      [
        { event: "values", data: { messages: [human, aiCall, toolResult], brief } },
        ...reply,
        { event: "values", data: { messages: [human, aiCall, toolResult, { type: "ai", id: "a2", content: "Done: 6 s, square." }], brief } },
        { event: "end", data: null },
      ],
      state,
    );
    const items = chatItems(state);
    expect(items).toHaveLength(2); // the tool call and the reply are one assistant turn
    turn = items[1];
    expect(turn?.text).toBe("Done: 6 s, square.");
    expect(turn?.tools[0]?.status).toBe("done");
    expect(toolSummary(turn!.tools[0]!)).toBe("changed duration, formats");
    expect(state.brief?.duration_s).toBe(6);
    expect(state.streaming).toBe(false);
  });

  it("streams reply text as it is written", () => {
    const state = run([{ event: "values", data: { messages: [human] } }, ...reply]);
    expect(chatItems(state).at(-1)?.text).toBe("Done: 6 s, square.");
  });

  it("follows custom events: planning activity and new jobs", () => {
    let state = run([{ event: "custom", data: { event: "planning", tool: "preview_plan" } }]);
    expect(state.activity).toMatch(/storyboard/);
    state = run([{ event: "custom", data: { event: "planned", storyboard_url: "/x" } }, { event: "custom", data: { event: "job_created", job_id: "promo-1" } }], state);
    expect(state.activity).toBeNull();
    expect(state.jobs).toEqual(["promo-1"]);
    state = reduceChat(state, { event: "values", data: { jobs: ["promo-1"] } });
    expect(state.jobs).toEqual(["promo-1"]);
  });

  it("says why a run failed", () => {
    const state = reduceChat(addPending(initialChat(), human), { event: "error", data: { error: "ValueError", message: "bad" } });
    expect(state.error).toBe("ValueError: bad");
    expect(state.streaming).toBe(false);
  });

  it("marks a refused tool call and shows the reason", () => {
    const call = { type: "ai", id: "a9", content: "", tool_calls: [{ id: "c9", name: "preview_plan", args: {} }] };
    const refused = { type: "tool", id: "t9", tool_call_id: "c9", status: "error", content: '{"error": "the brief has no product photo yet"}' };
    const items = chatItems(applyValues(initialChat(), { messages: [human, call, refused] }));
    expect(items[1]?.tools[0]?.status).toBe("error");
    expect(toolSummary(items[1]!.tools[0]!)).toBe("the brief has no product photo yet");
  });

  it("shows an attached photo as an attachment, not as its marker text", () => {
    const withPhoto = { type: "human", id: "u2", content: [{ type: "text", text: "[attached photo: photo-1 (42 KB)]" }, { type: "text", text: "Here it is" }] };
    const [item] = chatItems(applyValues(initialChat(), { messages: [withPhoto] }));
    expect(item?.photos).toEqual(["photo-1"]);
    expect(item?.text).toBe("Here it is");
  });

  it("summarises the preview, price and render tools", () => {
    const card = (name: string, result: Record<string, unknown>) => ({ id: "c", name, args: {}, status: "done" as const, result });
    expect(toolSummary(card("preview_plan", { shots: [{}, {}, {}], total_usd: 0, plan_passed: true }))).toBe("3 shots, $0.00");
    expect(toolSummary(card("estimate_cost", { total_usd: 1.5, complete_price: false }))).toBe("$1.50 (some prices unknown)");
    expect(toolSummary(card("render", { job_id: "promo-7", status: "queued" }))).toBe("job promo-7 queued");
  });
});
