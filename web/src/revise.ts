// Human in the loop: the revise instruction a person types (a plan waiting for approval, or
// one shot of a finished video) and the shots a finished job's plan offers. Pure.

import type { PlanDocument } from "./qa";

/** The server's limit (aistudio.artifacts.MAX_INSTRUCTION): longer is a 422. */
export const MAX_INSTRUCTION = 500;

/** The instruction as it will be sent (white space collapsed), or why it cannot be. */
export function checkInstruction(text: string): { instruction: string } | { error: string } {
  const instruction = text.split(/\s+/).filter(Boolean).join(" ");
  if (!instruction) return { error: "Say what should change." };
  if (instruction.length > MAX_INSTRUCTION) {
    return { error: `At most ${MAX_INSTRUCTION} characters (this is ${instruction.length}).` };
  }
  return { instruction };
}

export interface ShotChoice {
  /** 1-based, as the revise route and people count them. */
  number: number;
  label: string;
}

/** The shots of a job's plan.json, in order, labelled for a shot picker. */
export function shotChoices(plan: PlanDocument | null): ShotChoice[] {
  const described = new Map((plan?.shots?.shots ?? []).map((s) => [s.index, s]));
  const rendered = plan?.plan?.shots?.map((s) => s.shot_index) ?? [...described.keys()];
  return [...new Set(rendered)]
    .sort((a, b) => a - b)
    .map((index) => {
      const shot = described.get(index);
      const words = shot?.description?.trim() || shot?.caption?.trim() || "";
      const short = words.length > 60 ? `${words.slice(0, 57).trimEnd()}…` : words;
      return { number: index + 1, label: short ? `Shot ${index + 1}: ${short}` : `Shot ${index + 1}` };
    });
}
