// One job: live progress from its event stream (stage, shots, ETA), approve / revise /
// cancel while it waits or runs, and when it is done its players, downloads, QA report,
// per-shot revise and remix.

import { ApiError, assetJson, authHeaders, jobs, type Job } from "../api";
import { announce, h, replace } from "../dom";
import {
  etaNow,
  FINAL_STATUSES,
  formatDuration,
  initialJob,
  NODE_LABELS,
  reduceJob,
  shotStates,
  STAGES,
  type JobEvent,
  type JobLive,
  withRowProgress,
} from "../jobstate";
import type { PlanDocument } from "../qa";
import type { View } from "../router";
import { checkInstruction, MAX_INSTRUCTION } from "../revise";
import { followEvents, type SseEvent } from "../sse";
import { statusBadge, statusLabel } from "./parts";
import { resultSection } from "./result";

const STAGE_LABEL = NODE_LABELS;
const STATE_MARK: Record<string, string> = { done: "✓", active: "▶", failed: "✕", pending: "·" };

export function shotCountHint(jobId: string): number | null {
  const value = sessionStorage.getItem(`aistudio.shots.${jobId}`);
  return value ? Number(value) : null;
}

export function jobView(jobId: string): View {
  return {
    title: `Job ${jobId}`,
    render(main) {
      const stop = new AbortController();
      const heading = h("h1", {}, "Loading…");
      const summary = h("div", { class: "job-summary" });
      const message = h("p", { class: "error", role: "alert" });
      const actions = h("div", { class: "actions" });
      const progress = h("section", { class: "card", "aria-labelledby": "progress-h", hidden: true });
      const approval = h("section", { class: "card", "aria-labelledby": "approval-h", hidden: true });
      const result = h("div", { class: "result" });
      replace(main, heading, summary, message, actions, approval, progress, result);

      let job: Job | null = null;
      let live: JobLive = initialJob();
      let shotCount = shotCountHint(jobId);
      let lastStage: string | null = null;
      let watched = false; // this screen followed the job's events
      const etaText = h("span", { class: "eta" });
      // Built once, so a redraw of the buttons keeps what is being typed.
      const reviseInput = h("input", {
        id: "revise-instruction",
        type: "text",
        maxlength: MAX_INSTRUCTION,
        autocomplete: "off",
        "aria-describedby": "revise-hint",
      });
      const reviseForm = h(
        "form",
        { class: "revise-form", "aria-label": "Revise the plan" },
        h("label", { for: "revise-instruction" }, "What should change in the plan?"),
        h("div", { class: "row" }, reviseInput, h("button", { type: "submit" }, "Revise plan")),
        h(
          "p",
          { id: "revise-hint", class: "hint" },
          "For example “shorter, warmer, square, add a voice-over that mentions free shipping”. The plan is made again and waits for you; nothing is rendered.",
        ),
      );
      reviseForm.addEventListener("submit", (event) => {
        event.preventDefault();
        void act("revise");
      });

      function drawHeader(): void {
        if (!job) return;
        heading.textContent = job.title || (live.finished ? "Video" : "Your video is on its way");
        document.title = `${heading.textContent} · AI Studio`;
        replace(
          summary,
          job.image_url ? h("img", { class: "ref-photo", src: job.image_url, alt: "The product photo this video was made from" }) : null,
          h(
            "dl",
            { class: "facts" },
            h("dt", {}, "Status"),
            h("dd", {}, statusBadge(live.status)),
            h("dt", {}, "Kind"),
            h("dd", {}, job.kind),
            h("dt", {}, "Job id"),
            h("dd", {}, h("code", {}, job.id)),
            job.parent_id ? [h("dt", {}, "Made from"), h("dd", {}, h("a", { href: `/jobs/${encodeURIComponent(job.parent_id)}` }, job.parent_id))] : null,
            h("dt", {}, "Brief"),
            h("dd", { class: "brief-text" }, job.user_content),
          ),
        );
      }

      function drawActions(): void {
        const buttons: HTMLElement[] = [];
        if (live.status === "awaiting_approval") {
          buttons.push(h("button", { type: "button", class: "primary", onclick: () => void act("approve") }, "Approve and render"));
          buttons.push(reviseForm);
        }
        if (!FINAL_STATUSES.has(live.status)) {
          buttons.push(h("button", { type: "button", class: "danger", onclick: () => void act("cancel") }, "Cancel job"));
        }
        replace(actions, buttons);
      }

      const ACTED: Record<string, string> = {
        approve: "Plan approved; rendering",
        revise: "Plan sent back with your instruction; planning again",
        cancel: "Job cancelled",
      };

      async function act(what: "approve" | "revise" | "cancel"): Promise<void> {
        message.textContent = "";
        const checked = what === "revise" ? checkInstruction(reviseInput.value) : null;
        if (checked && "error" in checked) {
          message.textContent = checked.error;
          reviseInput.focus();
          return;
        }
        const controls = actions.querySelectorAll<HTMLButtonElement | HTMLInputElement>("button, input");
        for (const control of controls) control.disabled = true;
        try {
          if (checked) job = await jobs.revise(jobId, checked.instruction);
          else job = await (what === "approve" ? jobs.approve(jobId) : jobs.cancel(jobId));
          live = { ...live, status: job.status, finished: FINAL_STATUSES.has(job.status) };
          if (checked) reviseInput.value = "";
          announce(ACTED[what] ?? "");
          approval.hidden = true;
          drawAll();
          if (live.finished) void finish();
        } catch (error) {
          message.textContent = error instanceof ApiError ? error.message : String(error);
          drawActions();
        } finally {
          for (const control of controls) control.disabled = false;
        }
      }

      function drawProgress(): void {
        const running = !live.finished && live.status !== "awaiting_approval";
        // A job opened after it ended has no stage history to show: its result says it all.
        progress.hidden = !running && !watched;
        if (progress.hidden) return;
        const waiting = live.finished || live.status === "awaiting_approval" || !live.stage;
        const stage = waiting ? statusLabel(live.status) : STAGE_LABEL.get(live.stage ?? "") ?? live.stage;
        const shots = shotCount ? shotStates(live, shotCount) : [];
        replace(
          progress,
          h("h2", { id: "progress-h" }, "Progress"),
          h(
            "div",
            { class: "progress-line" },
            h("progress", { max: 100, value: live.progress, "aria-label": "Overall progress" }),
            h("span", { class: "pct" }, `${live.progress}%`),
          ),
          h("p", { class: "stage-now" }, h("strong", {}, stage), running ? etaText : null),
          h(
            "ol",
            { class: "stages", "aria-label": "Stages" },
            STAGES.map(([node, label]) => {
              const state = live.stages[node] ?? "pending";
              return h(
                "li",
                { class: `stage stage-${state}`, "aria-current": state === "active" ? "step" : null },
                h("span", { class: "mark", "aria-hidden": "true" }, STATE_MARK[state] ?? ""),
                label,
                h("span", { class: "sr-only" }, ` (${state})`),
              );
            }),
          ),
          shots.length
            ? [
                h("h3", {}, "Shots"),
                h(
                  "ol",
                  { class: "shots" },
                  shots.map((state, index) => h("li", { class: `shot shot-${state}` }, `Shot ${index + 1}: ${state}`)),
                ),
              ]
            : null,
          live.verdicts.length
            ? h(
                "ul",
                { class: "verdicts", "aria-label": "QA verdicts so far" },
                live.verdicts.map((v) =>
                  h(
                    "li",
                    {},
                    `${v.stage === "plan" ? "Plan" : "Output"} QA (attempt ${v.attempt + 1}): `,
                    v.passed ? "passed" : `failed — ${v.violations.join("; ")}${v.redo ? ` (redoing ${v.redo})` : ""}`,
                  ),
                ),
              )
            : null,
        );
        tickEta();
      }

      function tickEta(): void {
        const left = etaNow(live, Date.now() / 1000);
        etaText.textContent = left === null ? "" : ` · about ${formatDuration(left)} left`;
      }

      async function drawApproval(): Promise<void> {
        if (!job || live.status !== "awaiting_approval") {
          approval.hidden = true;
          return;
        }
        const board = job.assets.find((a) => a.name === "storyboard.png");
        const plan = await assetJson<PlanDocument>(job.assets.find((a) => a.name === "plan.json"));
        const shots = plan?.shots?.shots ?? [];
        if (shots.length) shotCount = shots.length;
        approval.hidden = false;
        replace(
          approval,
          h("h2", { id: "approval-h" }, "Plan waiting for your approval"),
          h("p", {}, "Nothing has been rendered or paid for yet. Approve to render this plan, revise it in your own words, or cancel the job."),
          live.revisions.length
            ? h(
                "div",
                { class: "revisions" },
                h("h3", {}, live.revisions.length === 1 ? "Revised once" : `Revised ${live.revisions.length} times`),
                h("ol", {}, live.revisions.map((instruction) => h("li", {}, instruction))),
              )
            : null,
          board?.url ? h("img", { class: "storyboard", src: board.url, alt: `Storyboard of ${shots.length || "the"} planned shots` }) : null,
          shots.length
            ? h(
                "ol",
                { class: "plan-shots" },
                shots.map((s) => h("li", {}, `${s.duration_s} s — ${s.description ?? ""}${s.caption ? ` (caption: “${s.caption}”)` : ""}`)),
              )
            : null,
        );
      }

      function drawAll(): void {
        drawHeader();
        drawActions();
        drawProgress();
      }

      async function finish(): Promise<void> {
        try {
          job = await jobs.get(jobId);
        } catch (error) {
          message.textContent = error instanceof ApiError ? error.message : String(error);
          return;
        }
        live = { ...live, status: job.status, finished: true };
        drawAll();
        announce(`Job ${statusLabel(job.status).toLowerCase()}`);
        replace(result, resultSection(job));
        main.append(progress); // done: the video first, how it was made after it
      }

      // The event stream reports progress while shots render, compose and get checked; the
      // job's own record also moves as each stage starts. Read it when the stage changes.
      let progressTimer = 0;
      function refreshProgress(): void {
        window.clearTimeout(progressTimer);
        progressTimer = window.setTimeout(async () => {
          try {
            const fresh = await jobs.get(jobId);
            live = withRowProgress(live, fresh.progress);
            drawProgress();
          } catch {
            // the stream goes on; the next stage tries again
          }
        }, 300);
      }

      function onEvent(event: SseEvent): void {
        watched = true;
        let parsed: JobEvent;
        try {
          parsed = JSON.parse(event.data) as JobEvent;
        } catch {
          return;
        }
        live = reduceJob(live, { event: event.event, ...parsed }, Date.now() / 1000);
        if (live.stage !== lastStage && live.stage) {
          lastStage = live.stage;
          announce(STAGE_LABEL.get(live.stage) ?? live.stage);
          refreshProgress();
        }
        if (event.event === "job_awaiting_approval") {
          void jobs.get(jobId).then((fresh) => {
            job = fresh;
            drawAll();
            void drawApproval();
          });
        }
        drawAll();
      }

      async function follow(): Promise<void> {
        try {
          await followEvents({
            url: jobs.eventsUrl(jobId),
            headers: authHeaders(),
            signal: stop.signal,
            onEvent,
            isLast: (event) => event.event === "job_result",
          });
        } catch (error) {
          if (!stop.signal.aborted) message.textContent = `Live progress stopped: ${(error as Error).message}`;
        }
        if (!stop.signal.aborted) await finish();
      }

      async function load(): Promise<void> {
        try {
          job = await jobs.get(jobId);
        } catch (error) {
          heading.textContent = error instanceof ApiError && error.status === 404 ? "Job not found" : "Could not load the job";
          message.textContent = error instanceof ApiError ? error.message : String(error);
          return;
        }
        live = initialJob(job.status, job.status === "running" ? job.stage : null, job.progress);
        drawAll();
        if (live.finished) {
          replace(result, resultSection(job));
          if (location.hash === "#remix") document.getElementById("remix-prompt")?.focus();
          return;
        }
        if (live.status === "awaiting_approval") void drawApproval();
        void follow();
      }

      const timer = window.setInterval(tickEta, 1000);
      void load();
      return () => {
        stop.abort();
        window.clearInterval(timer);
        window.clearTimeout(progressTimer);
      };
    },
  };
}
