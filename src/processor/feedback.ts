import { z } from 'zod';

/** What `recordFeedback` accepts. `traceId`/`spanId` name the rated turn when the caller knows it. */
export const feedbackSchema = z.strictObject({
  score: z.number(),
  agentName: z.string().min(1).optional(),
  traceId: z.string().regex(/^[0-9a-f]{32}$/).optional(),
  spanId: z.string().regex(/^[0-9a-f]{16}$/).optional(),
});
/** A feedback score for `processor.recordFeedback()`: `score`, and optionally the agent name and the trace and span it is about. */
export type FeedbackInput = z.input<typeof feedbackSchema>;
