import { describe, expect, it } from "vitest";
import { BriefFormError, briefKey, briefPatch, EMPTY_BRIEF, previewCost, toForm, type PlanPreview } from "../src/brief";

describe("briefPatch", () => {
  it("sends only what the person changed, in the draft's own types", () => {
    const brief = { ...EMPTY_BRIEF, product_name: "AURUM", product_facts: ["amber"] };
    const values = toForm(brief);
    values.product_facts = "amber\n  vanilla   notes \n\n";
    values.duration_s = "15";
    values.aspect_ratios = ["1:1", "9:16"];
    values.max_cost_usd = "2.5";
    expect(briefPatch(brief, values)).toEqual({
      product_facts: ["amber", "vanilla notes"],
      duration_s: 15,
      aspect_ratios: ["9:16", "1:1"],
      max_cost_usd: 2.5,
    });
    expect(briefPatch(brief, toForm(brief))).toEqual({});
  });

  it("refuses what the server would refuse, naming the field", () => {
    const values = toForm(EMPTY_BRIEF);
    values.duration_s = "90";
    expect(() => briefPatch(EMPTY_BRIEF, values)).toThrow(BriefFormError);
    const none = toForm(EMPTY_BRIEF);
    none.aspect_ratios = [];
    try {
      briefPatch(EMPTY_BRIEF, none);
      expect.unreachable();
    } catch (error) {
      expect((error as BriefFormError).field).toBe("aspect_ratios");
    }
  });

  it("clears the budget with an empty field", () => {
    const brief = { ...EMPTY_BRIEF, max_cost_usd: 3 };
    const values = toForm(brief);
    values.max_cost_usd = " ";
    expect(briefPatch(brief, values)).toEqual({ max_cost_usd: null });
  });
});

describe("preview helpers", () => {
  it("adds the known prices and says when one is unknown", () => {
    const preview = { costs: [{ shot_index: 0, model: "a", price_usd: 0.1 }, { shot_index: 1, model: "b", price_usd: 0.2 }] } as PlanPreview;
    expect(previewCost(preview)).toEqual({ total: 0.3, complete: true });
    preview.costs.push({ shot_index: 2, model: "c", price_usd: null });
    expect(previewCost(preview).complete).toBe(false);
  });

  it("ignores the photo summary when telling whether the brief changed", () => {
    expect(briefKey({ ...EMPTY_BRIEF, product_summary: "gold cap" })).toBe(briefKey(EMPTY_BRIEF));
    expect(briefKey({ ...EMPTY_BRIEF, vibe: "warm" })).not.toBe(briefKey(EMPTY_BRIEF));
  });
});
