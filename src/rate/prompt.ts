/**
 * The conversation sent for one essay, built as Yancey et al. (2023, section 2.1 and appendix C) build it:
 *  1. a system message: the rater's role, the scale and its categories written in square brackets, the level
 *     descriptors when the rubric has them (detailed rubric), the criteria of the unscorable categories
 *     (always), and the reply format (the rating alone, or a rationale then the rating);
 *  2. k calibration examples per category, each a user turn (prompt and response) followed by an assistant
 *     turn with the rating (in rationale mode with the example's rationale first, when it has one);
 *  3. the user turn with the task prompt and the essay to rate.
 * The prompt and the response are each set off in triple quotes. Every essay gets a fresh conversation: no
 * essay ever sees another essay that is being rated.
 */
import type { Rubric } from './rubric';
import { rubricLabels } from './rubric';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface CalibrationExample {
  prompt: string;
  response: string;
  /** A rubric label (e.g. B2, No-Response). */
  label: string;
  rationale?: string;
}

export interface PromptOptions {
  /** Ask for "Rationale: ... Rating: [X]" instead of the rating alone. */
  rationale?: boolean;
}

const bracketList = (labels: string[]) =>
  labels.length === 1 ? `[${labels[0]}]` : `${labels.slice(0, -1).map((l) => `[${l}]`).join(', ')}, or [${labels[labels.length - 1]}]`;

export function systemMessage(rubric: Rubric, opts: PromptOptions = {}): string {
  const parts: string[] = [rubric.role];
  parts.push(`${rubric.scaleIntro} Every rating must be exactly one of: ${bracketList(rubricLabels(rubric))}.`);
  if (rubric.levels.every((l) => l.description)) {
    const block = ['Scoring criteria:', rubric.criteriaIntro ?? ''].filter(Boolean).join('\n');
    parts.push(block);
    for (const level of [...rubric.levels].reverse()) parts.push(`Rating: [${level.label}]\nDescription: ${level.description}`);
  }
  for (const u of rubric.unscorable) parts.push(`Rate [${u.label}] when:\n${u.criteria.map((c) => `- ${c}`).join('\n')}`);
  parts.push(opts.rationale ? rubric.rationaleInstruction : rubric.replyInstruction);
  return parts.join('\n\n');
}

/** The user turn for one essay: the task prompt and the response, each in triple quotes. */
export function userMessage(prompt: string, response: string): string {
  return `Prompt: """\n${prompt}\n"""\n\nResponse: """\n${response}\n"""`;
}

/** The assistant turn of a calibration example. */
export function assistantMessage(example: CalibrationExample, opts: PromptOptions = {}): string {
  if (opts.rationale && example.rationale) return `Rationale: ${example.rationale}\nRating: [${example.label}]`;
  return `[${example.label}]`;
}

/** The whole conversation for one essay (a new array every call: conversations never share turns). */
export function buildMessages(rubric: Rubric, calibration: readonly CalibrationExample[], prompt: string, response: string, opts: PromptOptions = {}): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: 'system', content: systemMessage(rubric, opts) }];
  for (const ex of calibration) {
    messages.push({ role: 'user', content: userMessage(ex.prompt, ex.response) });
    messages.push({ role: 'assistant', content: assistantMessage(ex, opts) });
  }
  messages.push({ role: 'user', content: userMessage(prompt, response) });
  return messages;
}
