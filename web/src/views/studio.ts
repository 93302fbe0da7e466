// The studio: a product photo (drop, paste or pick), the chat with the brief agent, the
// structured brief beside it (editable by hand), the storyboard and price, and render.

import type { Client } from "@langchain/langgraph-sdk/client";
import { agentErrorMessage, ApiError, forgetThread, sameOrigin, threads, type Job } from "../api";
import { briefKey, EMPTY_BRIEF } from "../brief";
import { addPending, chatItems, initialChat, reduceChat, toolSummary, type ChatState } from "../chatstate";
import { announce, h, replace } from "../dom";
import { FINAL_STATUSES } from "../jobstate";
import { navigate, type View } from "../router";
import { statusBadge } from "./parts";
import { briefForm } from "./briefform";
import { previewSection } from "./preview";

const MAX_PHOTO_BYTES = 20 * 1024 * 1024;
const PHOTO_TYPES = ["image/png", "image/jpeg", "image/webp"];

function readDataUrl(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error("could not read the file"));
    reader.readAsDataURL(file);
  });
}

/** A small JPEG of the photo for this tab's chat (the server keeps the original). */
async function thumbnail(file: Blob): Promise<string> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, 360 / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d")?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return canvas.toDataURL("image/jpeg", 0.82);
}

const URL_IN_TEXT = /https?:\/\/[^\s<>"']+/g;

/** Text with its web addresses as short links (a signed link is long and unreadable). */
function linkify(text: string): Array<string | HTMLElement> {
  const out: Array<string | HTMLElement> = [];
  let last = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    const url = match[0].replace(/[.,;:)]+$/, "");
    const at = match.index ?? 0;
    out.push(text.slice(last, at));
    const name = new URL(url).pathname.split("/").filter(Boolean).at(-1) ?? "link";
    out.push(h("a", { href: sameOrigin(url) ?? url, target: "_blank", rel: "noopener" }, name, h("span", { class: "sr-only" }, " (opens in a new tab)")));
    last = at + url.length;
  }
  out.push(text.slice(last));
  return out;
}

export function studioView(): View {
  return {
    title: "Studio",
    render(main) {
      const stop = new AbortController();
      // The LangGraph client is most of the page's code: it loads with this screen only.
      let agent: typeof import("../agent") | null = null;
      let client: Client | null = null;
      let threadId: string | null = null;
      let chat: ChatState = initialChat();
      let photo: string | null = null; // this tab's thumbnail of the attached photo
      let previewKey = "";
      let previewId = "";
      const knownJobs = new Set<string>();
      let threadJobs: Job[] = []; // what this conversation rendered, with each job's status

      const error = h("p", { class: "error", role: "alert" });
      // The conversation stays scrolled to its newest message unless the person scrolled up.
      let pinned = true;
      const photoBox = h("section", { class: "card", "aria-labelledby": "photo-h" });
      const log = h("ol", { class: "log", "aria-label": "Conversation", tabindex: "0" });
      const activity = h("p", { class: "activity", role: "status" });
      const input = h("textarea", { id: "message", name: "message", rows: 2, placeholder: "e.g. 6 seconds, square, warmer, mention free shipping", "aria-describedby": "message-hint" });
      const send = h("button", { type: "submit", class: "primary" }, "Send");
      const previewButton = h("button", { type: "button", onclick: () => void say("Show me the storyboard.") }, "Preview storyboard");
      const renderButton = h("button", { type: "button", onclick: () => void renderNow() }, "Render video");
      const composer = h(
        "form",
        { class: "composer" },
        h("label", { for: "message" }, "Message to the assistant"),
        input,
        h("p", { id: "message-hint", class: "hint" }, "Enter sends; Shift+Enter starts a new line."),
        h("div", { class: "row" }, send, previewButton, renderButton),
      );
      const briefBox = h("section", { class: "card", "aria-labelledby": "brief-h" });
      const previewBox = h("section", { class: "card", "aria-labelledby": "preview-h", hidden: true });
      const jobsBox = h("section", { class: "card", "aria-labelledby": "renders-h", hidden: true });
      const form = briefForm({
        onSave: async (patch) => {
          if (!agent || !client || !threadId) return;
          let values;
          try {
            values = await agent.editBrief(client, threadId, patch);
          } catch (failure) {
            throw new Error(agentErrorMessage(failure));
          }
          chat = { ...chat, ...initialChat(values), streaming: chat.streaming };
          draw();
        },
      });

      replace(
        main,
        h("div", { class: "title-row" }, h("h1", {}, "Studio"), h("button", { type: "button", class: "link", onclick: newBrief }, "Start a new brief")),
        h("p", { class: "lead" }, "Add a product photo, talk the brief into shape, check the storyboard and the price, then render."),
        error,
        h(
          "div",
          { class: "studio" },
          h(
            "div",
            { class: "col-chat" },
            photoBox,
            h("section", { class: "card chat", "aria-labelledby": "chat-h" }, h("h2", { id: "chat-h" }, "2. Chat"), log, activity, composer),
            previewBox,
            jobsBox,
          ),
          h("div", { class: "col-side" }, briefBox),
        ),
      );

      // Built once: redrawing the file input would drop a file being chosen.
      const fileInput = h("input", { id: "photo-input", type: "file", accept: PHOTO_TYPES.join(","), class: "file" });
      const picker = h("label", { for: "photo-input", class: "button" }, "Choose a photo");
      const photoView = h("div", { class: "photo-view" });
      const photoSummary = h("p", { class: "hint" });
      const drop = h("div", { class: "drop" }, photoView, h("div", { class: "row" }, fileInput, picker));
      fileInput.addEventListener("change", () => {
        const file = fileInput.files?.[0];
        fileInput.value = "";
        if (file) void attach(file);
      });
      drop.addEventListener("dragover", (event) => {
        event.preventDefault();
        drop.classList.add("over");
      });
      drop.addEventListener("dragleave", () => drop.classList.remove("over"));
      drop.addEventListener("drop", (event) => {
        event.preventDefault();
        drop.classList.remove("over");
        const file = event.dataTransfer?.files?.[0];
        if (file) void attach(file);
      });
      replace(photoBox, h("h2", { id: "photo-h" }, "1. Product photo"), drop, photoSummary);
      let shownPhoto: string | null | undefined;

      function drawPhoto(): void {
        const hasReference = Boolean(chat.brief?.reference);
        picker.textContent = photo || hasReference ? "Use another photo" : "Choose a photo";
        fileInput.disabled = chat.streaming;
        const key = photo ?? (hasReference ? "reference" : null);
        if (key !== shownPhoto) {
          shownPhoto = key;
          replace(
            photoView,
            photo
              ? h("img", { src: photo, alt: "The product photo you attached", class: "photo" })
              : hasReference
                ? h("p", {}, "The assistant has your product photo.")
                : h("p", {}, "Drop a PNG, JPEG or WebP photo here, paste one (Ctrl+V), or choose a file."),
          );
        }
        photoSummary.textContent = chat.brief?.product_summary ? `What the assistant saw: ${chat.brief.product_summary}` : "";
      }

      function drawLog(): void {
        const items = chatItems(chat);
        replace(
          log,
          items.length
            ? items.map((item) =>
                h(
                  "li",
                  { class: `msg msg-${item.role}` },
                  h("span", { class: "who-said" }, item.role === "user" ? "You" : "Assistant"),
                  item.photos.length && photo ? h("img", { src: photo, alt: "Attached product photo", class: "msg-photo" }) : null,
                  item.photos.length && !photo ? h("p", { class: "hint" }, `Attached: ${item.photos.join(", ")}`) : null,
                  item.text ? item.text.split(/\n{2,}/).map((para) => h("p", {}, linkify(para))) : null,
                  item.tools.map((card) =>
                    h(
                      "div",
                      { class: `tool tool-${card.status}` },
                      h("span", { class: "tool-name" }, card.name.replace(/_/g, " ")),
                      h("span", { class: "tool-summary" }, toolSummary(card)),
                    ),
                  ),
                ),
              )
            : h("li", { class: "msg msg-empty" }, "Start with a photo, or tell the assistant about your product."),
        );
        if (pinned) log.scrollTop = log.scrollHeight;
      }

      function drawJobs(): void {
        const listed = new Set(threadJobs.map((job) => job.id));
        const pending = chat.jobs.filter((id) => !listed.has(id)).reverse();
        jobsBox.hidden = threadJobs.length + pending.length === 0;
        replace(
          jobsBox,
          h("h2", { id: "renders-h" }, "4. Renders"),
          h(
            "ul",
            { class: "renders" },
            pending.map((id) => h("li", {}, h("a", { href: `/jobs/${encodeURIComponent(id)}` }, `Watch job ${id}`))),
            threadJobs.map((job) =>
              h(
                "li",
                {},
                h("a", { href: `/jobs/${encodeURIComponent(job.id)}` }, `Watch job ${job.id}`),
                " ",
                statusBadge(job.status),
                FINAL_STATUSES.has(job.status) ? "" : ` ${job.progress}%`,
              ),
            ),
          ),
        );
        for (const id of chat.jobs) {
          if (knownJobs.has(id)) continue;
          knownJobs.add(id);
          rememberShots(id);
          if (chat.streaming) announce(`Render started: job ${id}`);
        }
      }

      /** The job screen shows per-shot state when it knows how many shots there are. */
      function rememberShots(jobId: string): void {
        if (chat.preview && briefKey(chat.brief) === previewKey) {
          sessionStorage.setItem(`aistudio.shots.${jobId}`, String(chat.preview.shots.length));
        }
      }

      async function refreshJobs(): Promise<void> {
        if (!threadId) return;
        try {
          threadJobs = await threads.jobs(threadId);
          drawJobs();
        } catch {
          // the list is a convenience; the gallery has every job
        }
      }

      /** Render the brief as it stands (the thread's render route), then watch the job. */
      async function renderNow(): Promise<void> {
        await ready;
        if (!threadId || chat.streaming) return;
        renderButton.disabled = true;
        try {
          const job = await threads.render(threadId);
          knownJobs.add(job.job_id);
          rememberShots(job.job_id);
          navigate(`/jobs/${encodeURIComponent(job.job_id)}`);
        } catch (failure) {
          chat = { ...chat, error: `Could not render: ${failure instanceof ApiError ? failure.message : String(failure)}` };
          draw();
        }
      }

      function draw(): void {
        const busy = chat.streaming || !threadId;
        send.disabled = busy;
        previewButton.disabled = busy || !chat.brief?.reference;
        renderButton.disabled = busy || !chat.brief?.reference;
        activity.textContent = chat.streaming ? chat.activity ?? "The assistant is working…" : "";
        error.textContent = chat.error ?? "";
        drawPhoto();
        drawLog();
        form.update(chat.brief ?? EMPTY_BRIEF, busy);
        if (!briefBox.contains(form.element)) replace(briefBox, h("h2", { id: "brief-h" }, "Brief"), form.element);
        const id = chat.preview ? `${chat.preview.brief_fingerprint}:${chat.preview.storyboard_url ?? ""}` : "";
        if (id !== previewId) {
          previewId = id;
          previewKey = briefKey(chat.brief);
        }
        previewBox.hidden = !chat.preview;
        if (chat.preview) {
          replace(previewBox, previewSection(chat.preview, briefKey(chat.brief) !== previewKey, renderButtonFor()));
        }
        drawJobs();
      }

      function renderButtonFor(): HTMLElement {
        return h("button", { type: "button", class: "primary", disabled: chat.streaming, onclick: () => void renderNow() }, "Render this video");
      }

      async function say(text: string, photoUrl: string | null = null): Promise<void> {
        await ready; // a photo picked while the conversation was still opening waits for it
        if (!agent || !client || !threadId || chat.streaming) return;
        const message = agent.userMessage(crypto.randomUUID(), text, photoUrl);
        chat = addPending(chat, message);
        draw();
        try {
          for await (const part of agent.sendMessage(client, threadId, message, stop.signal)) {
            chat = reduceChat(chat, part);
            draw();
          }
        } catch (failure) {
          if (stop.signal.aborted) return;
          chat = { ...chat, error: `The assistant could not answer: ${agentErrorMessage(failure)}` };
        }
        chat = { ...chat, streaming: false, activity: null };
        draw();
        if (chat.jobs.some((id) => !threadJobs.some((job) => job.id === id))) void refreshJobs();
        const last = chatItems(chat).at(-1);
        if (last?.role === "assistant" && last.text) announce(`Assistant: ${last.text}`);
      }

      async function attach(file: File): Promise<void> {
        if (!PHOTO_TYPES.includes(file.type)) {
          chat = { ...chat, error: "The photo must be a PNG, JPEG or WebP image." };
          draw();
          return;
        }
        if (file.size > MAX_PHOTO_BYTES) {
          chat = { ...chat, error: "The photo is larger than 20 MB." };
          draw();
          return;
        }
        photo = await thumbnail(file);
        if (threadId) sessionStorage.setItem(`aistudio.photo.${threadId}`, photo);
        await say(input.value.trim() || "Here is the product photo.", await readDataUrl(file));
        input.value = "";
      }

      function onPaste(event: ClipboardEvent): void {
        const file = [...(event.clipboardData?.files ?? [])].find((f) => PHOTO_TYPES.includes(f.type));
        if (file) {
          event.preventDefault();
          void attach(file);
        }
      }

      composer.addEventListener("submit", (event) => {
        event.preventDefault();
        const text = input.value.trim();
        if (!text) return;
        input.value = "";
        void say(text);
      });
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          composer.requestSubmit();
        }
      });
      document.addEventListener("paste", onPaste);
      log.addEventListener("scroll", () => {
        pinned = log.scrollTop + log.clientHeight >= log.scrollHeight - 16;
      });
      const keepPinned = new ResizeObserver(() => {
        if (pinned) log.scrollTop = log.scrollHeight;
      });
      keepPinned.observe(log);

      function newBrief(): void {
        forgetThread();
        navigate("/", { replaceState: true });
      }

      async function open(): Promise<void> {
        try {
          agent = await import("../agent");
          client = agent.agentClient();
          const opened = await agent.openThread(client);
          threadId = opened.threadId;
          chat = initialChat(opened.values);
          photo = sessionStorage.getItem(`aistudio.photo.${threadId}`);
          for (const id of chat.jobs) knownJobs.add(id);
          void refreshJobs();
        } catch (failure) {
          chat = { ...chat, error: `Could not start a conversation: ${agentErrorMessage(failure)}` };
        }
        draw();
      }

      draw();
      const ready = open();
      return () => {
        stop.abort();
        keepPinned.disconnect();
        document.removeEventListener("paste", onPaste);
      };
    },
  };
}
