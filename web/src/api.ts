// The REST half of the public API (jobs, assets, approval, revise, remix) and the API key.
// The key lives in sessionStorage (gone with the tab) and goes out as X-API-Key.

export const API = "/api/v1";
const KEY_SLOT = "aistudio.apiKey";
export const THREAD_SLOT = "aistudio.threadId";

/** Start the next studio visit with a new conversation. */
export function forgetThread(): void {
  sessionStorage.removeItem(THREAD_SLOT);
}

export function apiKey(): string | null {
  return sessionStorage.getItem(KEY_SLOT);
}

export function setApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY_SLOT, key);
  else sessionStorage.removeItem(KEY_SLOT);
}

export function authHeaders(): Record<string, string> {
  const key = apiKey();
  return key ? { "X-API-Key": key } : {};
}

/** An RFC 9457 problem from the server, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string | null = null,
  ) {
    super(message);
  }
}

type Listener = () => void;
const unauthorizedListeners: Listener[] = [];
/** Called whenever the server answers 401: the screen asks for a key. */
export function onUnauthorized(listener: Listener): void {
  unauthorizedListeners.push(listener);
}

export async function request<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...authHeaders() };
  let body = init.body;
  if (init.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(init.json);
  }
  let response: Response;
  try {
    response = await fetch(path.startsWith("/") ? path : `${API}/${path}`, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) }, body });
  } catch (error) {
    throw new ApiError(0, `the server did not answer (${String(error)})`);
  }
  if (!response.ok) {
    let detail = response.statusText;
    let type: string | null = null;
    try {
      const problem = (await response.json()) as { detail?: string; title?: string; type?: string };
      detail = problem.detail || problem.title || detail;
      type = problem.type ?? null;
    } catch {
      // not a problem document: keep the status text
    }
    if (response.status === 401) unauthorizedListeners.forEach((listener) => listener());
    throw new ApiError(response.status, detail, type);
  }
  return (await response.json()) as T;
}

/**
 * A signed link on this server's asset route, made relative to the page: the signature
 * covers the path and expiry, not the host, and the server may name itself differently
 * (127.0.0.1 vs localhost) than the address the browser used. Other links stay as given.
 */
export function sameOrigin(url: string | null): string | null {
  if (!url) return url;
  try {
    const parsed = new URL(url, window.location.origin);
    return parsed.pathname.startsWith(`${API}/assets/`) || parsed.pathname.startsWith(`${API}/results/`)
      ? parsed.pathname + parsed.search
      : url;
  } catch {
    return url;
  }
}

function localJob(job: Job): Job {
  return {
    ...job,
    image_url: sameOrigin(job.image_url),
    assets: job.assets.map((a) => ({ ...a, url: sameOrigin(a.url) })),
  };
}

/** A failure of the LangGraph client ("HTTP 404: {problem json}") as a sentence. */
export function agentErrorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const match = /^HTTP (\d+): ([\s\S]*)$/.exec(text);
  if (!match) return text;
  if (match[1] === "401") unauthorizedListeners.forEach((listener) => listener());
  try {
    const problem = JSON.parse(match[2] ?? "") as { detail?: string; title?: string };
    return `${problem.detail || problem.title || "error"} (HTTP ${match[1]})`;
  } catch {
    return text;
  }
}

export interface AssetInfo {
  name: string;
  mime: string;
  url: string | null;
  expires_at: number | null;
}

export interface QAStage {
  passed: boolean;
  attempt: number;
  violations: string[];
  checks: number;
}

export interface Job {
  id: string;
  kind: string;
  status: string;
  stage: string | null;
  progress: number;
  title: string | null;
  user_content: string;
  image_url: string | null;
  error_message: string | null;
  qa: { plan: QAStage | null; output: QAStage | null } | null;
  assets: AssetInfo[];
  cost_usd: number;
  parent_id: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface JobPage {
  items: Job[];
  next_cursor: string | null;
}

export interface Submitted {
  job_id: string;
  status: string;
}

export const jobs = {
  list: async (cursor: string | null = null, limit = 24) => {
    const page = await request<JobPage>(`jobs?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    return { ...page, items: page.items.map(localJob) };
  },
  get: async (id: string) => localJob(await request<Job>(`jobs/${encodeURIComponent(id)}`)),
  /** The jobs made from this one (its remixes and shot revises), newest first. */
  children: async (id: string) =>
    (await request<JobPage>(`jobs?parent_id=${encodeURIComponent(id)}&limit=50`)).items.map(localJob),
  approve: async (id: string) => localJob(await request<Job>(`jobs/${encodeURIComponent(id)}/approve`, { method: "POST" })),
  cancel: async (id: string) => localJob(await request<Job>(`jobs/${encodeURIComponent(id)}/cancel`, { method: "POST" })),
  /** Send a plan waiting for approval back to planning with `instruction`. */
  revise: async (id: string, instruction: string) =>
    localJob(await request<Job>(`jobs/${encodeURIComponent(id)}/revise`, { method: "POST", json: { instruction } })),
  /** Make shot `shot` (1-based) of a finished job again: a child job. */
  reviseShot: (id: string, shot: number, instruction: string, idempotencyKey: string) =>
    request<Submitted>(`jobs/${encodeURIComponent(id)}/shots/${shot}/revise`, {
      method: "POST",
      json: { instruction },
      headers: { "Idempotency-Key": idempotencyKey },
    }),
  remix: (id: string, prompt: string, idempotencyKey: string) =>
    request<Submitted>("video/remix-video", {
      method: "POST",
      json: { video_id: id, prompt },
      headers: { "Idempotency-Key": idempotencyKey },
    }),
  eventsUrl: (id: string) => `${API}/jobs/${encodeURIComponent(id)}/events`,
};

/** The product routes of a conversation (beside the Agent Protocol ones). */
export const threads = {
  render: (threadId: string) =>
    request<Submitted>(`agent/threads/${encodeURIComponent(threadId)}/render`, { method: "POST" }),
  jobs: async (threadId: string) =>
    (await request<Job[]>(`agent/threads/${encodeURIComponent(threadId)}/jobs`)).map(localJob),
};

/** A JSON asset of a job (qa.json, plan.json) through its signed link. */
export async function assetJson<T>(asset: AssetInfo | undefined): Promise<T | null> {
  if (!asset?.url) return null;
  const response = await fetch(asset.url);
  return response.ok ? ((await response.json()) as T) : null;
}
