/** What both entries (index.ts on Node, workerd.ts in workerd) export besides their counter. */
export {
  type ChatPromptMessage,
  type ChatPromptPart,
  type CompletionPrompt,
  REPLY_PRIMING_TOKENS,
  TOKENS_PER_MESSAGE,
  TOKENS_PER_NAME,
} from './chat-prompt.ts';
export type { TokenCounter } from './counter.ts';
export { ENCODING } from './encoding.ts';
export { type CountedUsage, effectiveMaxTokens, estimateWorstCase, selectUsage, type UsageSource } from './estimate.ts';
