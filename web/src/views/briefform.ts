// The structured brief as a form: the agent's edits show up in it, a person's edits go
// back to the thread (only the changed fields). Unsaved edits are never overwritten.

import { ASPECTS, BriefFormError, briefPatch, FIELDS, KINDS, toForm, type BriefDraft, type FieldSpec, type FormValues } from "../brief";
import { label } from "../chatstate";
import { announce, h } from "../dom";

export interface BriefForm {
  element: HTMLFormElement;
  update: (brief: BriefDraft, busy: boolean) => void;
}

function control(field: FieldSpec): HTMLElement {
  const id = `brief-${field.name}`;
  const hintId = field.hint ? `${id}-hint` : null;
  const hint = field.hint ? h("span", { id: hintId, class: "hint" }, field.hint) : null;
  const described = { "aria-describedby": hintId };
  switch (field.kind) {
    case "kind":
      return h(
        "div",
        { class: "field" },
        h("label", { for: id }, field.label),
        h("select", { id, name: field.name }, KINDS.map(([value, text]) => h("option", { value }, text))),
      );
    case "lines":
      return h("div", { class: "field" }, h("label", { for: id }, field.label), h("textarea", { id, name: field.name, rows: 2, ...described }), hint);
    case "number":
      return h("div", { class: "field" }, h("label", { for: id }, field.label), h("input", { id, name: field.name, type: "number", min: 6, max: 60, step: "any", inputmode: "decimal", ...described }), hint);
    case "money":
      return h("div", { class: "field" }, h("label", { for: id }, field.label), h("input", { id, name: field.name, type: "number", min: 0, step: "0.01", inputmode: "decimal", ...described }), hint);
    case "bool":
      return h("div", { class: "field check" }, h("input", { id, name: field.name, type: "checkbox" }), h("label", { for: id }, field.label));
    case "aspects":
      return h(
        "fieldset",
        { class: "field" },
        h("legend", {}, field.label),
        ASPECTS.map(([value, text]) =>
          h("span", { class: "check" }, h("input", { id: `${id}-${value.replace(":", "x")}`, type: "checkbox", name: field.name, value }), h("label", { for: `${id}-${value.replace(":", "x")}` }, text)),
        ),
      );
    default:
      return h("div", { class: "field" }, h("label", { for: id }, field.label), h("input", { id, name: field.name, type: "text", maxlength: field.max ?? null, ...described }), hint);
  }
}

function read(form: HTMLFormElement): FormValues {
  const values: FormValues = {};
  for (const field of FIELDS) {
    if (field.kind === "aspects") {
      values[field.name] = [...form.querySelectorAll<HTMLInputElement>(`input[name="${field.name}"]:checked`)].map((i) => i.value);
    } else if (field.kind === "bool") {
      values[field.name] = (form.elements.namedItem(field.name) as HTMLInputElement).checked;
    } else {
      values[field.name] = (form.elements.namedItem(field.name) as HTMLInputElement).value;
    }
  }
  return values;
}

function write(form: HTMLFormElement, values: FormValues): void {
  for (const field of FIELDS) {
    const value = values[field.name];
    if (field.kind === "aspects") {
      for (const box of form.querySelectorAll<HTMLInputElement>(`input[name="${field.name}"]`)) box.checked = (value as string[]).includes(box.value);
    } else if (field.kind === "bool") {
      (form.elements.namedItem(field.name) as HTMLInputElement).checked = Boolean(value);
    } else {
      (form.elements.namedItem(field.name) as HTMLInputElement).value = String(value ?? "");
    }
  }
}

export function briefForm({ onSave }: { onSave: (patch: Partial<BriefDraft>) => Promise<void> }): BriefForm {
  const status = h("p", { class: "status", role: "status" });
  const save = h("button", { type: "submit" }, "Save brief");
  const revert = h("button", { type: "button", class: "link", hidden: true }, "Discard my edits");
  const form = h("form", { class: "brief-form", novalidate: true }, FIELDS.map(control), h("div", { class: "row" }, save, revert), status);
  let current: BriefDraft | null = null;
  // What the person started editing from: the patch holds only what they changed, so an
  // agent edit that landed meanwhile is not undone by the form's older values.
  let base: BriefDraft | null = null;
  let dirty = false;

  function clearErrors(): void {
    for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  }

  form.addEventListener("input", () => {
    if (!dirty) base = current;
    dirty = true;
    revert.hidden = false;
    status.textContent = "Unsaved changes.";
  });
  revert.addEventListener("click", () => {
    dirty = false;
    revert.hidden = true;
    clearErrors();
    if (current) write(form, toForm(current));
    status.textContent = "";
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current) return;
    clearErrors();
    let patch: Partial<BriefDraft>;
    try {
      patch = briefPatch(base ?? current, read(form));
    } catch (error) {
      if (!(error instanceof BriefFormError)) throw error;
      status.textContent = error.message;
      const bad = form.querySelector<HTMLElement>(`[name="${error.field}"]`);
      bad?.setAttribute("aria-invalid", "true");
      bad?.focus();
      return;
    }
    if (!Object.keys(patch).length) {
      dirty = false;
      revert.hidden = true;
      status.textContent = "Nothing changed.";
      return;
    }
    save.disabled = true;
    status.textContent = "Saving…";
    try {
      dirty = false;
      await onSave(patch);
      revert.hidden = true;
      const message = `Saved: ${Object.keys(patch).map(label).join(", ")}.`;
      status.textContent = message;
      announce(message);
    } catch (error) {
      dirty = true;
      status.textContent = `Could not save: ${(error as Error).message}`;
    } finally {
      save.disabled = false;
    }
  });

  return {
    element: form,
    update(brief, busy) {
      save.disabled = busy;
      const changed = JSON.stringify(brief) !== JSON.stringify(current);
      current = brief;
      if (!changed) return;
      if (dirty) {
        status.textContent = "The assistant changed the brief; your unsaved edits are kept.";
        return;
      }
      write(form, toForm(brief));
    },
  };
}
