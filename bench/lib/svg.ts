// The ratios as a horizontal bar chart in plain SVG: one bar per ratio (its median), a whisker for
// min–max, and a line at 1 (parity). Bars are green where we do better, red where we do worse.
import type { Ratio } from "./results.ts";
import { fmt } from "./results.ts";

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export function renderSvg(ratios: readonly Ratio[], title: string): string {
  const rows = ratios.filter((r) => Number.isFinite(r.summary.median));
  const barH = 18;
  const gap = 8;
  const label = (r: Ratio): string => `${r.suite} · ${r.case} · ${r.label}`;
  // No text measuring in plain SVG: about 6.6 px per character at 12 px sans-serif.
  const labelW = Math.max(200, 16 + Math.max(0, ...rows.map((r) => label(r).length)) * 6.6);
  const plotW = 420;
  const top = 48;
  const height = top + Math.max(1, rows.length) * (barH + gap) + 40;
  const width = labelW + plotW + 70;
  const maxV = Math.max(2, ...rows.map((r) => r.summary.max)) * 1.05;
  const x = (v: number): number => labelW + (Math.max(0, v) / maxV) * plotW;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="10" y="38" fill="#555">median of rounds, whisker min–max; dashed line: parity (1.0)</text>`,
  ];
  rows.forEach((r, i) => {
    const y = top + i * (barH + gap);
    const good = r.higherIsBetter ? r.summary.median >= 1 : r.summary.median <= 1;
    parts.push(`<text x="${labelW - 8}" y="${y + barH - 5}" text-anchor="end">${esc(label(r))}</text>`);
    parts.push(
      `<rect x="${labelW}" y="${y}" width="${(x(r.summary.median) - labelW).toFixed(1)}" height="${barH}" fill="${good ? "#3a8f4b" : "#c0493b"}"/>`,
    );
    if (r.summary.rounds > 1) {
      const cy = y + barH / 2;
      parts.push(
        `<line x1="${x(r.summary.min).toFixed(1)}" x2="${x(r.summary.max).toFixed(1)}" y1="${cy}" y2="${cy}" stroke="#222" stroke-width="1.5"/>`,
      );
    }
    // The value sits right of the bar and of its whisker, so neither hides it.
    const right = r.summary.rounds > 1 ? Math.max(r.summary.median, r.summary.max) : r.summary.median;
    parts.push(
      `<text x="${(x(right) + 6).toFixed(1)}" y="${y + barH - 5}">${esc(fmt(r.summary.median))}×</text>`,
    );
  });
  const one = x(1).toFixed(1);
  const bottom = top + rows.length * (barH + gap);
  parts.push(
    `<line x1="${one}" x2="${one}" y1="${top - 6}" y2="${bottom}" stroke="#333" stroke-dasharray="4 3"/>`,
  );
  parts.push(`<text x="${one}" y="${bottom + 16}" text-anchor="middle" fill="#333">1.0</text>`);
  if (rows.length === 0)
    parts.push(`<text x="${labelW}" y="${top + 14}" fill="#555">no ratios in this run</text>`);
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
