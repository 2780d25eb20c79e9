/**
 * Chart.js setup: only the parts the dashboard draws (tree-shaken), no animation (steady
 * screenshots, less work on phones), and one colour per route.
 */
import { ArcElement, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineElement, PointElement, Tooltip } from 'chart.js';
import type { RouteKey } from './stats-view.ts';

Chart.register(ArcElement, BarElement, CategoryScale, Filler, Legend, LinearScale, LineElement, PointElement, Tooltip);
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

export const ROUTE_COLORS: Record<RouteKey, string> = { edge: '#2a9d8f', pool: '#e76f51', escalated: '#e9c46a', none: '#8d99ae' };
/** Colours for categories without their own (keys, models). */
export const PALETTE = ['#264653', '#2a9d8f', '#e9c46a', '#f4a261', '#e76f51', '#6d597a', '#457b9d', '#8d99ae'];

export const colorAt = (i: number): string => PALETTE[i % PALETTE.length] ?? '#888888';
