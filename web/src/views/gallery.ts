// Every job of the caller, newest first: poster, title, status, formats; "Load more".

import { ApiError, jobs, type Job } from "../api";
import { h, replace } from "../dom";
import type { View } from "../router";
import { aspectOf, statusBadge } from "./parts";

/** A finished job's player: one format at a time, buttons to switch between formats. */
function player(job: Job, title: string): HTMLElement | null {
  const videos = job.assets.filter((a) => a.mime === "video/mp4" && a.url);
  if (!videos.length) return null;
  const posterOf = (name: string) => job.assets.find((a) => a.name === name.replace(/^video_/, "poster_").replace(/\.mp4$/, ".jpg"))?.url ?? null;
  const first = videos[0]!;
  const video = h("video", {
    controls: true,
    preload: "none",
    playsinline: true,
    src: first.url,
    poster: posterOf(first.name),
    "aria-label": `${title}, ${aspectOf(first.name)}`,
  });
  const buttons = videos.map((asset, index) =>
    h(
      "button",
      {
        type: "button",
        class: "chip",
        "aria-pressed": index === 0 ? "true" : "false",
        onclick: (event: Event) => {
          video.src = asset.url ?? "";
          video.poster = posterOf(asset.name) ?? "";
          video.setAttribute("aria-label", `${title}, ${aspectOf(asset.name)}`);
          for (const other of buttons) other.setAttribute("aria-pressed", String(other === event.currentTarget));
        },
      },
      aspectOf(asset.name),
    ),
  );
  return h(
    "div",
    { class: "card-player" },
    video,
    videos.length > 1 ? h("div", { class: "row formats", role: "group", "aria-label": `Format of ${title}` }, buttons) : null,
  );
}

function card(job: Job): HTMLElement {
  const poster = job.assets.find((a) => a.name.startsWith("poster_"));
  const image = poster?.url ?? job.image_url;
  const videos = job.assets.filter((a) => a.mime === "video/mp4" && a.url);
  const title = job.title || job.user_content.slice(0, 60) || job.id;
  const href = `/jobs/${encodeURIComponent(job.id)}`;
  return h(
    "li",
    {},
    h(
      "article",
      { class: "job-card" },
      player(job, title) ??
        h("div", { class: "thumb" }, image ? h("img", { src: image, alt: "", loading: "lazy" }) : h("span", { class: "no-thumb" }, job.kind)),
      h(
        "div",
        { class: "job-card-body" },
        h("h2", {}, h("a", { href }, title)),
        h("p", { class: "meta" }, statusBadge(job.status), ` ${job.kind} · ${new Date(job.created_at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}`),
        videos.length
          ? h(
              "p",
              { class: "meta" },
              "Download: ",
              videos.map((asset, index) => [index ? " · " : "", h("a", { href: asset.url, download: asset.name, "aria-label": `Download ${title}, ${aspectOf(asset.name)} MP4` }, `${aspectOf(asset.name)} MP4`)]),
              " · ",
              h("a", { href: `${href}#revise-shot`, "aria-label": `Revise a shot of ${title}` }, "Revise a shot"),
              " · ",
              h("a", { href: `${href}#remix`, "aria-label": `Remix ${title}` }, "Remix"),
            )
          : null,
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
