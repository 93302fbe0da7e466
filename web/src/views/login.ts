// Sign in with an API key (kept in sessionStorage for this tab only).

import { ApiError, jobs, setApiKey } from "../api";
import { announce, h, replace } from "../dom";
import type { View } from "../router";

export function loginView(done: () => void): View {
  return {
    title: "Sign in",
    render(main) {
      const input = h("input", {
        id: "api-key",
        name: "api-key",
        type: "password",
        autocomplete: "off",
        spellcheck: "false",
        required: true,
        "aria-describedby": "api-key-hint api-key-error",
      });
      const error = h("p", { id: "api-key-error", class: "error", role: "alert" });
      const form = h(
        "form",
        { class: "card narrow" },
        h("label", { for: "api-key" }, "API key"),
        input,
        h(
          "p",
          { id: "api-key-hint", class: "hint" },
          "Your key starts with ais_. An operator makes one with ",
          h("code", {}, "aistudio api-key create --tenant NAME"),
          ". It stays in this browser tab only.",
        ),
        error,
        h("button", { type: "submit", class: "primary" }, "Sign in"),
      );
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const key = input.value.trim();
        setApiKey(key);
        try {
          await jobs.list(null, 1);
          announce("Signed in");
          done();
        } catch (failure) {
          setApiKey(null);
          error.textContent =
            failure instanceof ApiError && failure.status === 401
              ? `The server refused this key: ${failure.message}`
              : `Could not sign in: ${String((failure as Error).message)}`;
          input.setAttribute("aria-invalid", "true");
          input.focus();
        }
      });
      replace(
        main,
        h("h1", {}, "Sign in"),
        h("p", { class: "lead" }, "This server needs an API key for its studio."),
        form,
      );
    },
  };
}
