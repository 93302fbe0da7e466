import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { followEvents, SseParser, StreamError, type SseEvent } from "../src/sse";

describe("SseParser", () => {
  it("parses events split anywhere, with CRLF, comments and multi-line data", () => {
    const parser = new SseParser();
    const text = ': keep-alive\r\nid: 1\r\nevent: job_progress\r\ndata: {"a":\r\ndata: 1}\r\n\r\nid: 2\ndata: plain\n\n';
    const events: SseEvent[] = [];
    for (const ch of text) events.push(...parser.feed(ch)); // one character at a time
    expect(events).toEqual([
      { id: "1", event: "job_progress", data: '{"a":\n1}' },
      { id: "2", event: "message", data: "plain" },
    ]);
    expect(parser.lastEventId).toBe("2");
  });

  it("keeps a half-received line and a lone CR until the rest arrives", () => {
    const parser = new SseParser();
    expect(parser.feed("data: x\r")).toEqual([]);
    expect(parser.feed("\n")).toEqual([]);
    expect(parser.feed("\r\n")).toEqual([{ id: null, event: "message", data: "x" }]);
  });

  it("ignores an event without data and strips one leading space only", () => {
    const parser = new SseParser();
    expect(parser.feed("event: nothing\n\ndata:  two spaces\n\n")).toEqual([
      { id: null, event: "message", data: " two spaces" },
    ]);
  });
});

// A real HTTP server speaking the job events protocol: ids, Last-Event-ID on reconnect.
let server: Server | null = null;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

function serve(handler: (req: IncomingMessage, res: ServerResponse, call: number) => void): Promise<string> {
  let calls = 0;
  server = createServer((req, res) => handler(req, res, ++calls));
  return new Promise((resolve) => server!.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server!.address() as AddressInfo).port}/events`)));
}

const frame = (id: number, event: string, data: object) => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

describe("followEvents", () => {
  it("resumes after a dropped connection with Last-Event-ID and stops at the last event", async () => {
    const seenHeaders: Array<string | undefined> = [];
    const url = await serve((req, res, call) => {
      seenHeaders.push(req.headers["last-event-id"] as string | undefined);
      expect(req.headers["x-api-key"]).toBe("ais_test");
      res.writeHead(200, { "content-type": "text/event-stream" });
      if (call === 1) {
        res.write(frame(1, "job_started", {}) + frame(2, "job_progress", { progress: 10 }));
        setTimeout(() => res.socket?.destroy(), 30); // the connection drops mid-job
      } else {
        res.write(": keep-alive\n\n" + frame(3, "job_progress", { progress: 60 }));
        res.write(frame(4, "job_result", { status: "completed" }));
        // never ends by itself: the client must stop at job_result
      }
    });
    const got: SseEvent[] = [];
    await followEvents({
      url,
      headers: { "X-API-Key": "ais_test" },
      signal: new AbortController().signal,
      onEvent: (e) => got.push(e),
      isLast: (e) => e.event === "job_result",
      backoffMs: 10,
    });
    expect(got.map((e) => e.id)).toEqual(["1", "2", "3", "4"]);
    expect(seenHeaders).toEqual([undefined, "2"]);
  });

  it("treats an HTTP error as final and says its status", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(404, { "content-type": "application/problem+json" });
      res.end('{"detail":"no such job"}');
    });
    const error = await followEvents({
      url,
      headers: {},
      signal: new AbortController().signal,
      onEvent: () => undefined,
      isLast: () => false,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamError);
    expect((error as StreamError).status).toBe(404);
  });

  it("ends quietly when the server closes a stream that has nothing more to send", async () => {
    let calls = 0;
    const url = await serve((_req, res, call) => {
      calls = call;
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(call === 1 ? frame(7, "job_finished", { status: "completed" }) : "");
    });
    const got: SseEvent[] = [];
    await followEvents({ url, headers: {}, signal: new AbortController().signal, onEvent: (e) => got.push(e), isLast: () => false, backoffMs: 5 });
    expect(got.map((e) => e.event)).toEqual(["job_finished"]);
    expect(calls).toBe(2); // asked once more after the last id, got nothing: done
  });

  it("gives up after the retries when the server is gone", async () => {
    const url = await serve((_req, res) => res.socket?.destroy());
    const error = await followEvents({ url, headers: {}, signal: new AbortController().signal, onEvent: () => undefined, isLast: () => false, retries: 2, backoffMs: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamError);
    expect((error as StreamError).status).toBeNull();
  });
});
