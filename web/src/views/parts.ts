// Small pieces several screens share.

import { h } from "../dom";

const STATUS_LABEL: Record<string, string> = {
  queued: "Queued",
  running: "Rendering",
  awaiting_approval: "Waiting for approval",
  completed: "Done",
  completed_with_warnings: "Done, with QA warnings",
  failed: "Failed",
  cancelled: "Cancelled",
};

export function statusLabel(status: string): string {
  return STATUS_LABEL[status] ?? status;
}

export function statusBadge(status: string): HTMLElement {
  return h("span", { class: `badge badge-${status}` }, statusLabel(status));
}

/** "video_9x16.mp4" -> "9:16". */
export function aspectOf(name: string): string {
  const match = /_(\d+)x(\d+)\./.exec(name);
  return match ? `${match[1]}:${match[2]}` : name;
}

export const ASPECT_LABEL: Record<string, string> = { "9:16": "9:16 vertical", "1:1": "1:1 square", "16:9": "16:9 wide" };

export function money(value: number): string {
  return `$${value.toFixed(2)}`;
}
