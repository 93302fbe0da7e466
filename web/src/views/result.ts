// A finished job: a player per aspect ratio, its files, the QA report (per-check scores,
// frames of failed per-shot checks), a per-shot revise form and a remix form.

import { ApiError, assetJson, jobs, type AssetInfo, type Job } from "../api";
import { h, replace } from "../dom";
import {
  checkLabel,
  failedFrames,
  sortedChecks,
  videoName,
  type PlanDocument,
  type QaDocument,
  type QaReport,
} from "../qa";
import { checkInstruction, MAX_INSTRUCTION, shotChoices } from "../revise";
import { navigate } from "../router";
import { ASPECT_LABEL, aspectOf, statusBadge, statusLabel } from "./parts";

const FILE_LABEL: Record<string, string> = {
  "storyboard.png": "Storyboard (PNG)",
  "captions.srt": "Captions (SRT)",
  "captions.vtt": "Captions (WebVTT)",
  "plan.json": "Plan (JSON)",
  "qa.json": "QA report (JSON)",
  "provenance.json": "Provenance (JSON)",
};

function fileLabel(asset: AssetInfo): string {
  if (asset.name.startsWith("video_")) return `Video ${aspectOf(asset.name)} (MP4)`;
  if (asset.name.startsWith("poster_")) return `Poster ${aspectOf(asset.name)} (JPEG)`;
  return FILE_LABEL[asset.name] ?? asset.name;
}

function players(job: Job): HTMLElement | null {
  const videos = job.assets.filter((a) => a.mime === "video/mp4" && a.url);
  if (!videos.length) return null;
  const captions = job.assets.find((a) => a.name === "captions.vtt");
  return h(
    "section",
    { class: "card", "aria-labelledby": "players-h" },
    h("h2", { id: "players-h" }, videos.length > 1 ? "Videos" : "Video"),
    h(
      "div",
      { class: "players" },
      videos.map((video) => {
        const aspect = aspectOf(video.name);
        const poster = job.assets.find((a) => a.name === `poster_${aspect.replace(":", "x")}.jpg`);
        const player = h(
          "video",
          {
            controls: true,
            preload: "metadata",
            playsinline: true,
            src: video.url,
            poster: poster?.url ?? null,
            "aria-label": `${job.title ?? "Video"}, ${ASPECT_LABEL[aspect] ?? aspect}`,
            "data-aspect": aspect,
          },
          captions?.url ? h("track", { kind: "captions", src: captions.url, srclang: "en", label: "English" }) : null,
        );
        return h(
          "figure",
          { class: `player aspect-${aspect.replace(":", "x")}` },
          player,
          h("figcaption", {}, ASPECT_LABEL[aspect] ?? aspect, " · ", h("a", { href: video.url, download: video.name }, "Download MP4")),
        );
      }),
    ),
  );
}

function downloads(job: Job): HTMLElement | null {
  const files = job.assets.filter((a) => a.url);
  if (!files.length) return null;
  return h(
    "section",
    { class: "card", "aria-labelledby": "files-h" },
    h("h2", { id: "files-h" }, "Files"),
    h(
      "ul",
      { class: "files" },
      files.map((asset) => h("li", {}, h("a", { href: asset.url, download: asset.name }, fileLabel(asset)), h("span", { class: "meta" }, ` ${asset.name}`))),
    ),
    h("p", { class: "hint" }, "Links are signed and expire; reload the page for fresh ones."),
  );
}

function scoreCell(score: number, passed: boolean): HTMLElement {
  const pct = Math.round(Math.max(0, Math.min(1, score)) * 100);
  return h(
    "td",
    { class: "score", "data-label": "Score" },
    h("meter", { min: 0, max: 100, value: pct, low: 50, high: 80, optimum: 100, "aria-label": `score ${pct} of 100` }),
    ` ${pct}`,
    h("span", { class: `verdict ${passed ? "pass" : "fail"}` }, passed ? " pass" : " fail"),
  );
}

function reportTable(title: string, report: QaReport | null): HTMLElement | null {
  if (!report || !report.checks.length) return null;
  const failed = report.checks.filter((c) => !c.passed).length;
  return h(
    "div",
    { class: "qa-block" },
    h("h3", {}, `${title}: ${failed ? `${failed} of ${report.checks.length} checks failed` : `all ${report.checks.length} checks passed`}`, report.attempt ? ` (attempt ${report.attempt + 1})` : ""),
    h(
      "div",
      { class: "table-wrap", tabindex: "0", role: "region", "aria-label": `${title} checks` },
      h(
        "table",
        { class: "qa stack" },
        h("thead", {}, h("tr", {}, ["Check", "Where", "Score", "Measured", "Note"].map((c) => h("th", { scope: "col" }, c)))),
        h(
          "tbody",
          {},
          sortedChecks(report).map((check) =>
            h(
              "tr",
              { class: check.passed ? "" : "failed" },
              h("th", { scope: "row" }, checkLabel(check.name)),
              h("td", { "data-label": "Where" }, [check.aspect, check.shot_index !== null && check.shot_index !== undefined ? `shot ${check.shot_index + 1}` : null].filter(Boolean).join(", ") || "whole"),
              scoreCell(check.score, check.passed),
              h("td", { "data-label": "Measured" }, check.measured),
              check.violation ? h("td", { "data-label": "Note" }, check.violation) : h("td", { class: "empty" }),
            ),
          ),
        ),
      ),
    ),
  );
}

async function qaSection(job: Job, into: HTMLElement): Promise<void> {
  const qa = await assetJson<QaDocument>(job.assets.find((a) => a.name === "qa.json"));
  if (!qa) {
    replace(into, job.qa ? h("p", {}, "The QA report file is not available.") : null);
    into.hidden = !job.qa;
    return;
  }
  const plan = await assetJson<PlanDocument>(job.assets.find((a) => a.name === "plan.json"));
  const videos = job.assets.filter((a) => a.mime === "video/mp4");
  const first = videos.length ? aspectOf(videos[0]?.name ?? "") : "9:16";
  const frames = failedFrames(qa, plan, first);
  replace(
    into,
    h("h2", { id: "qa-h" }, "QA report"),
    qa.error ? h("p", { class: "error" }, qa.error) : null,
    reportTable("Output QA", qa.output),
    reportTable("Plan QA", qa.plan),
    frames.length
      ? [
          h("h3", {}, "Frames of failed checks"),
          h(
            "div",
            { class: "frames" },
            frames.map((frame) => {
              const url = job.assets.find((a) => a.name === videoName(frame.aspect))?.url;
              const shot = (frame.check.shot_index ?? 0) + 1;
              return h(
                "figure",
                { class: "frame" },
                url
                  ? h("video", { src: `${url}#t=${frame.timeS}`, preload: "auto", muted: true, playsinline: true, "aria-label": `Frame of shot ${shot} at ${frame.timeS} s` })
                  : null,
                h("figcaption", {}, `${checkLabel(frame.check.name)} — shot ${shot}, ${frame.aspect}: ${frame.check.violation ?? frame.check.measured}`),
              );
            }),
          ),
        ]
      : null,
  );
}

function remixForm(job: Job): HTMLElement {
  const prompt = h("textarea", { id: "remix-prompt", rows: 2, required: true, minlength: 3, maxlength: 2000, "aria-describedby": "remix-hint" });
  const error = h("p", { class: "error", role: "alert" });
  const submit = h("button", { type: "submit", class: "primary" }, "Remix");
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "remix-h" },
    h("h2", { id: "remix-h" }, "Remix"),
    h("label", { for: "remix-prompt" }, "What should change?"),
    prompt,
    h("p", { id: "remix-hint", class: "hint" }, "A new video from the same photo and options, with this added to the brief and a new seed."),
    error,
    submit,
  );
  const idempotencyKey = crypto.randomUUID(); // one form, one remix, however often it is sent
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    error.textContent = "";
    try {
      const child = await jobs.remix(job.id, prompt.value.trim(), idempotencyKey);
      navigate(`/jobs/${encodeURIComponent(child.job_id)}`);
    } catch (failure) {
      error.textContent = failure instanceof ApiError ? failure.message : String(failure);
      submit.disabled = false;
    }
  });
  return form;
}

function childItem(child: Job): HTMLElement {
  return h("li", {}, h("a", { href: `/jobs/${encodeURIComponent(child.id)}` }, child.title || child.id), " ", statusBadge(child.status));
}

/** The jobs made from this one (remixes, shot revises), linked; `add` puts one in. */
function childrenSection(job: Job): { section: HTMLElement; add: (child: Job) => void } {
  const list = h("ul", { class: "children" });
  const section = h("section", { class: "card", "aria-labelledby": "children-h", hidden: true }, h("h2", { id: "children-h" }, "Made from this video"), list);
  const add = (child: Job): void => {
    if (list.querySelector(`a[href="/jobs/${encodeURIComponent(child.id)}"]`)) return;
    list.append(childItem(child));
    section.hidden = false;
  };
  // The list is a convenience: without it the job's own screen stands.
  void jobs.children(job.id).then((children) => children.forEach(add), () => undefined);
  return { section, add };
}

/** Make one shot again with an instruction: a child job (the other shots are kept). */
function shotReviseForm(job: Job, made: (child: Job) => void): HTMLElement {
  const form = h("form", { class: "card", id: "revise-shot", "aria-labelledby": "revise-shot-h", hidden: true });
  void (async () => {
    const plan = await assetJson<PlanDocument>(job.assets.find((a) => a.name === "plan.json"));
    const choices = shotChoices(plan);
    if (!choices.length) return;
    const select = h(
      "select",
      { id: "revise-shot-number" },
      choices.map((choice) => h("option", { value: choice.number }, choice.label)),
    );
    const instruction = h("input", {
      id: "revise-shot-instruction",
      type: "text",
      maxlength: MAX_INSTRUCTION,
      autocomplete: "off",
      "aria-describedby": "revise-shot-hint",
    });
    const submit = h("button", { type: "submit", class: "primary" }, "Re-make this shot");
    const error = h("p", { class: "error", role: "alert" });
    const status = h("p", { class: "status", role: "status" });
    replace(
      form,
      h("h2", { id: "revise-shot-h" }, "Revise a shot"),
      h("label", { for: "revise-shot-number" }, "Shot"),
      select,
      h("label", { for: "revise-shot-instruction" }, "What should change in this shot?"),
      instruction,
      h(
        "p",
        { id: "revise-shot-hint", class: "hint" },
        "A new video in which only this shot is made again (e.g. “closer on the cap, slower”); every other shot is kept as it is.",
      ),
      error,
      submit,
      status,
    );
    form.hidden = false;
    let idempotencyKey = crypto.randomUUID(); // one request, one child, however often sent
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.textContent = "";
      const checked = checkInstruction(instruction.value);
      if ("error" in checked) {
        error.textContent = checked.error;
        instruction.focus();
        return;
      }
      submit.disabled = true;
      const shot = Number(select.value);
      try {
        const child = await jobs.reviseShot(job.id, shot, checked.instruction, idempotencyKey);
        idempotencyKey = crypto.randomUUID();
        void jobs.get(child.job_id).then(made, () => undefined);
        instruction.value = "";
        replace(
          status,
          `Shot ${shot} is being made again: `,
          h("a", { href: `/jobs/${encodeURIComponent(child.job_id)}` }, `open the new job ${child.job_id}`),
          ".",
        );
      } catch (failure) {
        error.textContent = failure instanceof ApiError ? failure.message : String(failure);
      } finally {
        submit.disabled = false;
      }
    });
    if (location.hash === "#revise-shot") select.focus();
  })();
  return form;
}

export function resultSection(job: Job): HTMLElement[] {
  const children = childrenSection(job);
  const qa = h("section", { class: "card", "aria-labelledby": "qa-h", hidden: !job.qa });
  void qaSection(job, qa);
  const parts: Array<HTMLElement | null> = [
    job.status === "failed" || job.status === "cancelled"
      ? h("p", { class: "notice" }, `${statusLabel(job.status)}: ${job.error_message ?? "no reason given"}`)
      : null,
    players(job),
    downloads(job),
    qa,
    job.status === "completed" || job.status === "completed_with_warnings" ? shotReviseForm(job, children.add) : null,
    children.section,
    job.status === "cancelled" && !job.assets.length ? null : remixForm(job),
  ];
  return parts.filter((p): p is HTMLElement => p !== null);
}
