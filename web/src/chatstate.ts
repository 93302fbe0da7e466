// The conversation with the brief agent, folded from the run stream of
// `client.runs.stream(thread, "brief", { streamMode: ["values", "messages-tuple", "custom"] })`.
// `values` events carry the whole thread state (authoritative); `messages` events carry
// message chunks as the model writes them; `custom` events say what a tool is doing.

import type { BriefDraft, PlanPreview } from "./brief";

export interface RawMessage {
  type: string;
  id?: string | null;
  content?: unknown;
  name?: string | null;
  tool_calls?: Array<{ id?: string | null; name: string; args?: Record<string, unknown> }>;
  tool_call_chunks?: Array<{ id?: string | null; name?: string | null; args?: string | null; index?: number }>;
  tool_call_id?: string;
  status?: string;
}

export interface ToolCard {
  id: string;
  name: string;
  args: Record<string, unknown>;
  status: "running" | "done" | "error";
  result: Record<string, unknown> | null;
}

export interface ChatItem {
  id: string;
  role: "user" | "assistant";
  text: string;
  photos: string[];
  tools: ToolCard[];
}

export interface ThreadValues {
  messages?: RawMessage[];
  brief?: BriefDraft | null;
  preview?: PlanPreview | null;
  jobs?: string[];
  photos?: Record<string, unknown>;
}

export interface ChatState {
  messages: RawMessage[];
  partial: RawMessage[];
  brief: BriefDraft | null;
  preview: PlanPreview | null;
  jobs: string[];
  streaming: boolean;
  activity: string | null;
  error: string | null;
}

export function initialChat(values: ThreadValues = {}): ChatState {
  return {
    messages: values.messages ?? [],
    partial: [],
    brief: values.brief ?? null,
    preview: values.preview ?? null,
    jobs: values.jobs ?? [],
    streaming: false,
    activity: null,
    error: null,
  };
}

export interface StreamPart {
  event: string;
  data: unknown;
}

const ACTIVITY: Record<string, string> = {
  planning: "Planning the video and drawing the storyboard…",
};

/** Fold one stream part into the state. */
export function reduceChat(state: ChatState, part: StreamPart): ChatState {
  const event = part.event.split("|")[0]; // subgraph events arrive as "values|ns"
  switch (event) {
    case "values":
      return applyValues(state, (part.data ?? {}) as ThreadValues);
    case "messages":
    case "messages/partial":
    case "messages/complete": {
      const chunks = Array.isArray(part.data) ? part.data : [part.data];
      // messages-tuple: [chunk, metadata]; the legacy modes: a list of messages.
      const list = event === "messages" ? [chunks[0]] : chunks;
      let next = state;
      for (const chunk of list) {
        if (chunk && typeof chunk === "object") next = mergeChunk(next, chunk as RawMessage);
      }
      return next;
    }
    case "custom": {
      const data = (part.data ?? {}) as Record<string, unknown>;
      const kind = String(data.event ?? "");
      if (kind in ACTIVITY) return { ...state, activity: ACTIVITY[kind] ?? null };
      if (kind === "planned") return { ...state, activity: null };
      if (kind === "job_created" && typeof data.job_id === "string" && !state.jobs.includes(data.job_id)) {
        return { ...state, jobs: [...state.jobs, data.job_id] };
      }
      return state;
    }
    case "error": {
      const data = (part.data ?? {}) as Record<string, unknown>;
      const message = [data.error, data.message].filter(Boolean).join(": ") || "the agent run failed";
      return { ...state, error: message, streaming: false, activity: null };
    }
    case "end":
      return { ...state, streaming: false, activity: null };
    default:
      return state;
  }
}

export function applyValues(state: ChatState, values: ThreadValues): ChatState {
  const messages = values.messages ?? state.messages;
  const known = new Set(messages.map((m) => m.id).filter(Boolean));
  return {
    ...state,
    messages,
    partial: state.partial.filter((m) => !m.id || !known.has(m.id)),
    brief: values.brief !== undefined ? values.brief : state.brief,
    preview: values.preview !== undefined ? values.preview : state.preview,
    jobs: values.jobs ?? state.jobs,
  };
}

/** A message the user just sent, shown before the server echoes it back. */
export function addPending(state: ChatState, message: RawMessage): ChatState {
  return { ...state, partial: [...state.partial, message], streaming: true, error: null };
}

function mergeChunk(state: ChatState, chunk: RawMessage): ChatState {
  if (chunk.id && state.messages.some((m) => m.id === chunk.id)) return state; // already whole
  const isChunk = chunk.type.endsWith("Chunk");
  const at = state.partial.findIndex((m) => chunk.id && m.id === chunk.id);
  const partial = [...state.partial];
  if (at < 0) {
    partial.push({ ...chunk, type: chunk.type.replace(/Chunk$/, "").replace(/^AIMessage$/, "ai") });
  } else if (isChunk) {
    const before = partial[at] as RawMessage;
    partial[at] = {
      ...before,
      content: textOf(before.content) + textOf(chunk.content),
      tool_call_chunks: mergeToolChunks(before.tool_call_chunks ?? [], chunk.tool_call_chunks ?? []),
      tool_calls: chunk.tool_calls?.length ? chunk.tool_calls : before.tool_calls,
    };
  } else {
    partial[at] = chunk;
  }
  return { ...state, partial };
}

function mergeToolChunks(
  before: NonNullable<RawMessage["tool_call_chunks"]>,
  more: NonNullable<RawMessage["tool_call_chunks"]>,
): NonNullable<RawMessage["tool_call_chunks"]> {
  const out = before.map((c) => ({ ...c }));
  for (const chunk of more) {
    const same = out.find((c) => c.index === chunk.index);
    if (same) {
      same.args = (same.args ?? "") + (chunk.args ?? "");
      same.name = same.name || chunk.name;
      same.id = same.id || chunk.id;
    } else out.push({ ...chunk });
  }
  return out;
}

/** The text of a message's content (a string, or a list of content blocks). */
export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((block) => {
      if (typeof block === "string") return block;
      if (block && typeof block === "object" && (block as { type?: string }).type === "text") {
        return String((block as { text?: unknown }).text ?? "");
      }
      return "";
    })
    .join("");
}

const ATTACHED = /\[attached photo: ([^\]\s(]+)[^\]]*\]/g;

function parseResult(content: unknown): Record<string, unknown> | null {
  const text = textOf(content);
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : { value: parsed };
  } catch {
    return text ? { message: text } : null;
  }
}

function toolCallsOf(message: RawMessage): ToolCard[] {
  if (message.tool_calls?.length) {
    return message.tool_calls.map((call, index) => ({
      id: call.id ?? `${message.id ?? "call"}-${index}`,
      name: call.name,
      args: call.args ?? {},
      status: "running",
      result: null,
    }));
  }
  return (message.tool_call_chunks ?? [])
    .filter((chunk) => chunk.name)
    .map((chunk, index) => {
      let args: Record<string, unknown> = {};
      try {
        args = chunk.args ? (JSON.parse(chunk.args) as Record<string, unknown>) : {};
      } catch {
        args = {}; // still being written
      }
      return { id: chunk.id ?? `${message.id ?? "call"}-${index}`, name: chunk.name ?? "", args, status: "running", result: null };
    });
}

/** The conversation as the screen shows it: bubbles, each AI turn with its tool cards. */
export function chatItems(state: ChatState): ChatItem[] {
  const items: ChatItem[] = [];
  const cards = new Map<string, ToolCard>();
  for (const message of [...state.messages, ...state.partial]) {
    const id = message.id ?? `m${items.length}`;
    if (message.type === "human") {
      const raw = textOf(message.content);
      const photos = [...raw.matchAll(ATTACHED)].map((m) => m[1] ?? "");
      const hasImage = Array.isArray(message.content)
        && message.content.some((b) => b && typeof b === "object" && /image/.test(String((b as { type?: string }).type)));
      items.push({
        id,
        role: "user",
        text: raw.replace(ATTACHED, "").trim(),
        photos: photos.length ? photos : hasImage ? ["photo"] : [],
        tools: [],
      });
    } else if (message.type === "ai") {
      const tools = toolCallsOf(message);
      for (const card of tools) cards.set(card.id, card);
      const text = textOf(message.content).trim();
      const last = items[items.length - 1];
      // One assistant turn = its tool calls and its reply: keep them in one bubble.
      if (last && last.role === "assistant") {
        last.tools.push(...tools);
        if (text) last.text = last.text ? `${last.text}\n\n${text}` : text;
      } else {
        items.push({ id, role: "assistant", text, photos: [], tools });
      }
    } else if (message.type === "tool" && message.tool_call_id) {
      const card = cards.get(message.tool_call_id);
      if (card) {
        card.status = message.status === "error" ? "error" : "done";
        card.result = parseResult(message.content);
      }
    }
  }
  return items;
}

const money = (value: unknown): string => `$${Number(value ?? 0).toFixed(2)}`;

/** One line saying what a tool call did, for its card. */
export function toolSummary(card: ToolCard): string {
  const result = card.result ?? {};
  if (card.status === "running") return "working…";
  if (card.status === "error") return String(result.error ?? result.message ?? "refused");
  switch (card.name) {
    case "update_brief": {
      const changed = Object.keys((result.changed as Record<string, unknown>) ?? {});
      const errors = Object.entries((result.errors as Record<string, string>) ?? {});
      const parts = [];
      if (changed.length) parts.push(`changed ${changed.map(label).join(", ")}`);
      if (errors.length) parts.push(`refused ${errors.map(([f, why]) => `${label(f)} (${why})`).join(", ")}`);
      return parts.join("; ") || "nothing to change";
    }
    case "analyze_reference":
      return String(result.summary ?? "photo read");
    case "preview_plan": {
      const shots = Array.isArray(result.shots) ? result.shots.length : 0;
      return `${shots} shots, ${money(result.total_usd)}${result.plan_passed === false ? ", plan QA failed" : ""}`;
    }
    case "estimate_cost":
      return `${money(result.total_usd)}${result.complete_price === false ? " (some prices unknown)" : ""}`;
    case "render":
      return `job ${String(result.job_id ?? "?")} ${String(result.status ?? "queued")}`;
    case "job_status":
      return result.job_id ? `job ${String(result.job_id)}: ${String(result.status ?? "")} ${String(result.progress ?? "")}%` : "no job yet";
    default:
      return "done";
  }
}

const LABELS: Record<string, string> = {
  duration_s: "duration",
  aspect_ratios: "formats",
  voice_over: "voice-over",
  call_to_action: "call to action",
  product_name: "product name",
  product_facts: "product facts",
  script_notes: "script notes",
  must_show: "must show",
  must_avoid: "must avoid",
  max_cost_usd: "budget",
  video_model: "video model",
  product_summary: "photo summary",
};

export function label(field: string): string {
  return LABELS[field] ?? field.replace(/_/g, " ");
}
