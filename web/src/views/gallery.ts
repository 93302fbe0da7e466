// Every job of the caller, newest first: poster, title, status, formats; "Load more".

import { ApiError, jobs, type Job } from "../api";
import { h, replace } from "../dom";
import type { View } from "../router";
import { aspectOf, statusBadge } from "./parts";

function card(job: Job): HTMLElement {
  const poster = job.assets.find((a) => a.name.startsWith("poster_"));
  const image = poster?.url ?? job.image_url;
  const formats = job.assets.filter((a) => a.mime === "video/mp4").map((a) => aspectOf(a.name));
  const title = job.title || job.user_content.slice(0, 60) || job.id;
  return h(
    "li",
    {},
    h(
      "article",
      { class: "job-card" },
      h(
        "div",
        { class: "thumb" },
        image ? h("img", { src: image, alt: "", loading: "lazy" }) : h("span", { class: "no-thumb" }, job.kind),
      ),
      h(
        "div",
        { class: "job-card-body" },
        h("h2", {}, h("a", { href: `/jobs/${encodeURIComponent(job.id)}` }, title)),
        h("p", { class: "meta" }, statusBadge(job.status), ` ${job.kind} · ${new Date(job.created_at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}`),
        formats.length ? h("p", { class: "meta" }, `Formats: ${formats.join(", ")}`) : null,
      ),
    ),
  );
}

export function galleryView(): View {
  return {
    title: "Videos",
    render(main) {
      const list = h("ul", { class: "gallery", "aria-label": "Your videos" });
      const status = h("p", { class: "status", role: "status" }, "Loading your videos…");
      const more = h("button", { type: "button", hidden: true }, "Load more");
      let cursor: string | null = null;
      let stopped = false;
      async function load(): Promise<void> {
        more.disabled = true;
        try {
          const page = await jobs.list(cursor);
          if (stopped) return;
          for (const job of page.items) list.append(card(job));
          cursor = page.next_cursor;
          more.hidden = !cursor;
          const count = list.children.length;
          status.textContent = count ? `${count} ${count === 1 ? "video" : "videos"}` : "No videos yet.";
          if (!count) status.append(" ", h("a", { href: "/" }, "Make one in the studio"), ".");
        } catch (error) {
          status.textContent = error instanceof ApiError ? `Could not load the videos: ${error.message}` : String(error);
        } finally {
          more.disabled = false;
        }
      }
      more.addEventListener("click", () => void load());
      replace(main, h("h1", {}, "Videos"), status, list, more);
      void load();
      return () => {
        stopped = true;
      };
    },
  };
}
