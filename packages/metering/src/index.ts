export * from './pricing.ts';
export * from './rate-window.ts';
