// The studio's shell: header, routes (history API; the server answers every client route
// with index.html), sign-in when the server asks for a key.

import "./styles.css";
import { apiKey, ApiError, forgetThread, jobs, onUnauthorized, setApiKey } from "./api";
import { h, replace } from "./dom";
import { galleryView } from "./views/gallery";
import { jobView } from "./views/job";
import { loginView } from "./views/login";
import { studioView } from "./views/studio";
import { navigate, setRenderer, type Cleanup, type View } from "./router";

let cleanup: Cleanup | void;
let signedInLabel: HTMLElement;

function route(path: string): View {
  const job = /^\/jobs\/([^/]+)\/?$/.exec(path);
  if (job) return jobView(decodeURIComponent(job[1] ?? ""));
  if (path === "/jobs" || path === "/jobs/") return galleryView();
  if (path === "/login") return loginView(afterLogin);
  if (path === "/" || path === "/index.html") return studioView();
  return {
    title: "Not found",
    render: (main) =>
      replace(main, h("h1", { tabindex: "-1" }, "Page not found"), h("p", {}, h("a", { href: "/" }, "Back to the studio"))),
  };
}

function show(): void {
  const main = document.getElementById("main") as HTMLElement;
  if (cleanup) cleanup();
  const view = route(location.pathname);
  document.title = `${view.title} · AI Studio`;
  main.replaceChildren();
  cleanup = view.render(main);
  for (const link of document.querySelectorAll<HTMLAnchorElement>("header nav a")) {
    const here = link.pathname === "/" ? location.pathname === "/" : location.pathname.startsWith(link.pathname);
    if (here) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  // A new screen: move focus to its heading so keyboard and screen-reader users start there.
  const heading = main.querySelector<HTMLElement>("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: true });
  }
  window.scrollTo(0, 0);
  updateWho();
}

function updateWho(): void {
  const key = apiKey();
  replace(
    signedInLabel,
    key
      ? [
          h("span", {}, `Key …${key.slice(-4)}`),
          h("button", { type: "button", class: "link", onclick: signOut }, "Sign out"),
        ]
      : h("span", {}, ""),
  );
}

function signOut(): void {
  setApiKey(null);
  forgetThread();
  navigate("/login");
}

function afterLogin(): void {
  const next = sessionStorage.getItem("aistudio.next") || "/";
  sessionStorage.removeItem("aistudio.next");
  navigate(next, { replaceState: true });
}

function askForKey(): void {
  if (location.pathname === "/login") return;
  sessionStorage.setItem("aistudio.next", location.pathname + location.search);
  navigate("/login", { replaceState: true });
}

function shell(): void {
  const app = document.getElementById("app") as HTMLElement;
  signedInLabel = h("div", { class: "who" });
  replace(
    app,
    h("a", { class: "skip", href: "#main" }, "Skip to content"),
    h(
      "header",
      { class: "top" },
      h("a", { class: "brand", href: "/" }, "AI Studio"),
      h("nav", { "aria-label": "Main" }, h("a", { href: "/" }, "Studio"), h("a", { href: "/jobs" }, "Videos")),
      signedInLabel,
    ),
    h("main", { id: "main", tabindex: "-1" }),
    h("div", { id: "announcer", class: "sr-only", "aria-live": "polite" }),
  );
  // Same-origin links are client routes; downloads, new tabs and modified clicks are not.
  document.addEventListener("click", (event) => {
    const link = (event.target as Element).closest?.("a");
    if (!link || link.target || link.hasAttribute("download") || link.origin !== location.origin) return;
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (link.pathname.startsWith("/api/")) return;
    if (link.hash && link.pathname === location.pathname) return; // the skip link
    event.preventDefault();
    navigate(link.pathname + link.search + link.hash);
  });
  window.addEventListener("popstate", show);
  setRenderer(show);
  onUnauthorized(askForKey);
}

async function start(): Promise<void> {
  shell();
  show();
  // Dev mode answers without a key; otherwise the first call says 401 and we ask.
  try {
    await jobs.list(null, 1);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) return;
  }
}

void start();
