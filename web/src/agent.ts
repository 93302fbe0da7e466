// The brief agent over the Agent Protocol, through the official LangGraph JS client: the
// same calls a LangGraph chat UI makes, pointed at this server's /api/v1/agent.

import { Client } from "@langchain/langgraph-sdk/client";
import { API, apiKey, forgetThread, THREAD_SLOT } from "./api";
import type { BriefDraft } from "./brief";
import type { RawMessage, StreamPart, ThreadValues } from "./chatstate";

export const ASSISTANT_ID = "brief";

export function agentClient(): Client {
  return new Client({
    apiUrl: new URL(`${API}/agent`, window.location.origin).toString(),
    // null: never read a key from the environment; the key is the session's own.
    apiKey: apiKey() ?? null,
  });
}

export async function openThread(client: Client): Promise<{ threadId: string; values: ThreadValues }> {
  const saved = sessionStorage.getItem(THREAD_SLOT);
  if (saved) {
    try {
      const state = await client.threads.getState<ThreadValues>(saved);
      return { threadId: saved, values: state.values ?? {} };
    } catch {
      forgetThread(); // gone, or another key's thread: start a new one
    }
  }
  const thread = await client.threads.create({ metadata: { source: "web studio" } });
  sessionStorage.setItem(THREAD_SLOT, thread.thread_id);
  return { threadId: thread.thread_id, values: {} };
}

/** A user message: the text, and the photo as an image content block (a data: URL). */
export function userMessage(id: string, text: string, photoDataUrl: string | null): RawMessage {
  const content: Array<Record<string, unknown>> = [];
  if (photoDataUrl) content.push({ type: "image_url", image_url: { url: photoDataUrl } });
  content.push({ type: "text", text: text || "Here is the product photo." });
  return { type: "human", id, content };
}

/** Send one message and yield the run's stream parts until it ends. */
export async function* sendMessage(
  client: Client,
  threadId: string,
  message: RawMessage,
  signal: AbortSignal,
): AsyncGenerator<StreamPart> {
  const stream = client.runs.stream(threadId, ASSISTANT_ID, {
    input: { messages: [message] },
    streamMode: ["values", "messages-tuple", "custom"],
    signal,
  });
  for await (const part of stream) yield { event: String(part.event), data: part.data };
}

/** A hand edit of the brief: only the changed fields (the server merges them). */
export async function editBrief(client: Client, threadId: string, patch: Partial<BriefDraft>): Promise<ThreadValues> {
  await client.threads.updateState(threadId, { values: { brief: patch } });
  const state = await client.threads.getState<ThreadValues>(threadId);
  return state.values ?? {};
}
