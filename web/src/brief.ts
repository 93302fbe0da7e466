// The structured brief a conversation builds (the thread's `brief` value, a BriefDraft on
// the server), the form that edits it by hand, and the patch a form edit sends back
// through `client.threads.updateState` (the server's reducer merges the changed fields).

export type Aspect = "9:16" | "1:1" | "16:9";
export const ASPECTS: ReadonlyArray<readonly [Aspect, string]> = [
  ["9:16", "9:16 vertical"],
  ["1:1", "1:1 square"],
  ["16:9", "16:9 wide"],
];
export const KINDS: ReadonlyArray<readonly [string, string]> = [
  ["promo", "Promo (product only)"],
  ["fashion", "Fashion (garment-led)"],
  ["ugc", "UGC (creator style)"],
];

export interface BriefDraft {
  kind: string;
  product_name: string;
  product_facts: string[];
  product_summary: string;
  audience: string;
  vibe: string;
  duration_s: number;
  aspect_ratios: Aspect[];
  voice_over: boolean;
  script_notes: string[];
  call_to_action: string;
  must_show: string[];
  must_avoid: string[];
  reference: { key: string } | null;
  max_cost_usd: number | null;
  video_model: string;
}

export interface PlannedShot {
  index: number;
  duration_s: number;
  framing: string;
  camera_move: string;
  description: string;
  caption: string;
}

export interface PlanPreview {
  brief_fingerprint: string;
  title: string;
  tagline: string;
  call_to_action: string;
  shots: PlannedShot[];
  voice_over: string[];
  plan_passed: boolean;
  violations: string[];
  costs: Array<{ shot_index: number; model: string; price_usd: number | null }>;
  storyboard_url: string | null;
}

export const EMPTY_BRIEF: BriefDraft = {
  kind: "promo",
  product_name: "",
  product_facts: [],
  product_summary: "",
  audience: "",
  vibe: "",
  duration_s: 12,
  aspect_ratios: ["9:16"],
  voice_over: false,
  script_notes: [],
  call_to_action: "",
  must_show: [],
  must_avoid: [],
  reference: null,
  max_cost_usd: null,
  video_model: "",
};

export type FieldKind = "text" | "lines" | "number" | "kind" | "aspects" | "bool" | "money";
export interface FieldSpec {
  name: keyof BriefDraft;
  label: string;
  kind: FieldKind;
  hint?: string;
  max?: number;
}

/** The fields a person edits by hand, in the order the form shows them. */
export const FIELDS: FieldSpec[] = [
  { name: "kind", label: "Kind of video", kind: "kind" },
  { name: "product_name", label: "Product name", kind: "text", max: 120 },
  { name: "product_facts", label: "Product facts", kind: "lines", hint: "One per line" },
  { name: "audience", label: "Audience", kind: "text", max: 120 },
  { name: "vibe", label: "Vibe", kind: "text", max: 60, hint: "e.g. warm, luxurious, playful" },
  { name: "duration_s", label: "Duration (seconds)", kind: "number", hint: "6 to 60" },
  { name: "aspect_ratios", label: "Formats", kind: "aspects" },
  { name: "voice_over", label: "Voice-over", kind: "bool" },
  { name: "script_notes", label: "Script notes", kind: "lines", hint: "What the voice or captions should say, one per line" },
  { name: "call_to_action", label: "Call to action", kind: "text", max: 80 },
  { name: "must_show", label: "Must show", kind: "lines", hint: "One per line" },
  { name: "must_avoid", label: "Must avoid", kind: "lines", hint: "One per line" },
  { name: "max_cost_usd", label: "Budget (USD)", kind: "money", hint: "Empty: the server's default" },
];

export type FormValues = Record<string, string | boolean | string[]>;

/** The draft as form values (lists as lines, numbers as text). */
export function toForm(brief: BriefDraft): FormValues {
  const values: FormValues = {};
  for (const field of FIELDS) {
    const value = brief[field.name];
    if (field.kind === "lines") values[field.name] = ((value as string[]) ?? []).join("\n");
    else if (field.kind === "aspects") values[field.name] = [...((value as string[]) ?? [])];
    else if (field.kind === "bool") values[field.name] = Boolean(value);
    else values[field.name] = value === null || value === undefined ? "" : String(value);
  }
  return values;
}

export class BriefFormError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function lines(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim().replace(/\s+/g, " "))
    .filter(Boolean);
}

/**
 * The fields of `values` that differ from `brief`, in the draft's own types: the patch a
 * hand edit sends. Throws BriefFormError (naming the field) for a value the server would
 * refuse, so the person sees it next to the field.
 */
export function briefPatch(brief: BriefDraft, values: FormValues): Partial<BriefDraft> {
  const patch: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const raw = values[field.name];
    let value: unknown;
    switch (field.kind) {
      case "lines":
        value = lines(String(raw ?? ""));
        if ((value as string[]).length > 12) throw new BriefFormError(field.name, `${field.label}: at most 12 lines`);
        break;
      case "aspects":
        value = ASPECTS.map(([a]) => a).filter((a) => (raw as string[]).includes(a));
        if ((value as string[]).length === 0) throw new BriefFormError(field.name, "Pick at least one format");
        break;
      case "bool":
        value = Boolean(raw);
        break;
      case "number": {
        const n = Number(String(raw).trim());
        if (!Number.isFinite(n) || n < 6 || n > 60) throw new BriefFormError(field.name, "Duration: 6 to 60 seconds");
        value = n;
        break;
      }
      case "money": {
        const text = String(raw ?? "").trim();
        const n = Number(text);
        if (text && (!Number.isFinite(n) || n < 0)) throw new BriefFormError(field.name, "Budget: a number of dollars, 0 or more");
        value = text ? n : null;
        break;
      }
      default: {
        value = String(raw ?? "").trim().replace(/\s+/g, " ");
        if (field.max && (value as string).length > field.max) {
          throw new BriefFormError(field.name, `${field.label}: at most ${field.max} characters`);
        }
      }
    }
    if (JSON.stringify(value) !== JSON.stringify(brief[field.name] ?? null)) patch[field.name] = value;
  }
  return patch as Partial<BriefDraft>;
}

/** The plan's price: the sum of the known prices, and whether every price is known. */
export function previewCost(preview: PlanPreview): { total: number; complete: boolean } {
  const total = preview.costs.reduce((sum, line) => sum + (line.price_usd ?? 0), 0);
  return { total: Math.round(total * 10000) / 10000, complete: preview.costs.every((l) => l.price_usd !== null) };
}

/** What identifies the brief's content for "is the preview still current" (the photo
 * summary is what the server saw, not what the person asked for). */
export function briefKey(brief: BriefDraft | null): string {
  if (!brief) return "";
  const { product_summary: _summary, ...rest } = brief;
  return JSON.stringify(rest);
}
