// Server-Sent Events over fetch. EventSource cannot send the X-API-Key header, so the
// job stream is read with fetch and parsed here (the WHATWG event-stream rules), and a
// dropped connection resumes with Last-Event-ID: the server replays what came after it.

export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

/** Incremental event-stream parser: feed text chunks as they arrive, get whole events. */
export class SseParser {
  private buffer = "";
  private data: string[] = [];
  private eventName = "";
  private lastId: string | null = null;
  private sawId = false;

  get lastEventId(): string | null {
    return this.lastId;
  }

  feed(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const out: SseEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      // A lone "\r" at the very end may be the first half of "\r\n": wait for more.
      if (!match || (match[0] === "\r" && match.index === this.buffer.length - 1)) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event) out.push(event);
    }
    return out;
  }

  private line(line: string): SseEvent | null {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return null; // a comment (keep-alive)
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.eventName = value;
    else if (field === "id" && !value.includes("\0")) {
      this.lastId = value;
      this.sawId = true;
    }
    return null;
  }

  private dispatch(): SseEvent | null {
    const event =
      this.data.length > 0
        ? { id: this.sawId ? this.lastId : null, event: this.eventName || "message", data: this.data.join("\n") }
        : null;
    this.data = [];
    this.eventName = "";
    this.sawId = false;
    return event;
  }
}

export interface FollowOptions {
  url: string;
  headers: Record<string, string>;
  onEvent: (event: SseEvent) => void;
  /** True for the event after which the stream is over (no reconnect). */
  isLast: (event: SseEvent) => boolean;
  signal: AbortSignal;
  fetchFn?: typeof fetch;
  retries?: number;
  backoffMs?: number;
}

export class StreamError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/**
 * Read the stream until `isLast` says so, reconnecting with Last-Event-ID when the
 * connection drops (up to `retries` times in a row). An HTTP error status is final.
 * Resolves when the last event arrived or the server ended a stream that has nothing
 * more to send; rejects with StreamError otherwise.
 */
export async function followEvents(options: FollowOptions): Promise<void> {
  const fetchFn = options.fetchFn ?? fetch.bind(globalThis);
  const retries = options.retries ?? 5;
  const backoffMs = options.backoffMs ?? 1000;
  let lastId: string | null = null;
  let failures = 0;
  for (;;) {
    const headers: Record<string, string> = { Accept: "text/event-stream", ...options.headers };
    if (lastId !== null) headers["Last-Event-ID"] = lastId;
    let gotEvent = false;
    try {
      const response = await fetchFn(options.url, { headers, signal: options.signal });
      if (!response.ok || !response.body) {
        throw new StreamError(`the event stream answered ${response.status}`, response.status);
      }
      const parser = new SseParser();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of parser.feed(value)) {
          gotEvent = true;
          if (event.id !== null) lastId = event.id;
          options.onEvent(event);
          if (options.isLast(event)) {
            await reader.cancel();
            return;
          }
        }
      }
      // The server closed the stream without the last event: the job ended before it
      // had one, or nothing was sent at all. A stream that did send something resumes.
      if (!gotEvent) return;
      failures = 0;
    } catch (error) {
      if (options.signal.aborted) return;
      if (error instanceof StreamError) throw error;
      failures = gotEvent ? 1 : failures + 1;
      if (failures > retries) {
        throw new StreamError(`the event stream failed: ${String(error)}`, null);
      }
      await sleep(backoffMs * failures, options.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
