// The storyboard and the price of the current brief (the brief agent's preview_plan), with
// the button that renders it.

import { previewCost, type PlanPreview } from "../brief";
import { sameOrigin } from "../api";
import { h } from "../dom";
import { money } from "./parts";

export function previewSection(preview: PlanPreview, stale: boolean, renderButton: HTMLElement): HTMLElement[] {
  const cost = previewCost(preview);
  const board = sameOrigin(preview.storyboard_url);
  const shots = preview.shots;
  const seconds = shots.reduce((sum, shot) => sum + shot.duration_s, 0);
  const parts: Array<HTMLElement | null> = [
    h("h2", { id: "preview-h" }, "3. Storyboard and price"),
    stale ? h("p", { class: "notice" }, "The brief changed since this preview. Preview again to see the new plan.") : null,
    h("p", { class: "plan-title" }, h("strong", {}, preview.title), preview.tagline ? ` — ${preview.tagline}` : ""),
    board
      ? h(
          "a",
          { href: board, target: "_blank", rel: "noopener", class: "storyboard-link" },
          h("img", {
            class: "storyboard",
            src: board,
            alt: `Storyboard: ${shots.length} shots, ${shots.map((s) => s.caption || s.description).join("; ")}`,
          }),
          h("span", { class: "sr-only" }, " (opens the full-size storyboard in a new tab)"),
        )
      : null,
    h(
      "div",
      { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Shots and prices" },
      h(
        "table",
        { class: "shots-table stack" },
        h("caption", {}, `${shots.length} shots, ${seconds.toFixed(1)} s`),
        h("thead", {}, h("tr", {}, ["Shot", "Length", "Camera", "Caption", "Price"].map((c) => h("th", { scope: "col" }, c)))),
        h(
          "tbody",
          {},
          shots.map((shot) => {
            const line = preview.costs.find((c) => c.shot_index === shot.index);
            return h(
              "tr",
              {},
              h("th", { scope: "row" }, String(shot.index + 1)),
              h("td", { "data-label": "Length" }, `${shot.duration_s} s`),
              h("td", { "data-label": "Camera" }, `${shot.framing}, ${shot.camera_move.replace(/_/g, " ")}`),
              h("td", { "data-label": "Caption" }, shot.caption || "—"),
              h("td", { "data-label": "Price" }, line ? (line.price_usd === null ? "unknown" : money(line.price_usd)) : "—"),
            );
          }),
        ),
        h(
          "tfoot",
          {},
          h("tr", {}, h("th", { scope: "row", colspan: 4 }, cost.complete ? "Total" : "Total of the known prices"), h("td", { "data-label": "Price" }, money(cost.total))),
        ),
      ),
    ),
    preview.voice_over.length
      ? h("details", {}, h("summary", {}, "Voice-over script"), h("ol", {}, preview.voice_over.map((line) => h("li", {}, line))))
      : null,
    h(
      "p",
      { class: preview.plan_passed ? "ok" : "notice" },
      preview.plan_passed ? "Plan QA passed." : `Plan QA: ${preview.violations.join("; ") || "failed"}`,
    ),
    h("div", { class: "row" }, renderButton),
  ];
  return parts.filter((el): el is HTMLElement => el !== null);
}
