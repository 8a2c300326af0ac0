/**
 * Plain SVG bar charts (no dependency): one panel per chart, horizontal grouped bars (one group per
 * cipher, one bar per series), an axis with ticks, and an optional baseline drawn as a dashed line
 * across the panel. Elements carry classes (`bar <series>`, `baseline`, `group-label`) and
 * `data-` attributes so tests and scripts can read the chart's structure.
 */

export interface Series {
  key: string;
  label: string;
  color: string;
}

export interface Group {
  label: string;
  /** Value per series key (missing: no bar). */
  values: Record<string, number>;
}

export interface ChartSpec {
  title: string;
  unit: string;
  series: Series[];
  groups: Group[];
  baseline?: { value: number; label: string };
  /** The axis ends here: a longer bar is cut at the edge (marked, its value printed). Default: the largest value. */
  cap?: number;
}

const WIDTH = 760;
const RIGHT = 60;
const BAR = 11;
const GAP = 8;
const LEGEND_W = 150;
const AXIS_H = 34;

export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (x: number) => (Math.round(x * 100) / 100).toString();

/** A "nice" axis maximum and tick step for values up to `max`. */
function axis(max: number): { top: number; step: number } {
  const raw = max / 5 || 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  return { top: Math.ceil(max / step) * step || step, step };
}

function fmtValue(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** One chart panel at vertical offset `y`; returns its SVG and height. */
function panel(spec: ChartSpec, y: number): { svg: string; height: number } {
  const left = Math.max(110, 12 + 7 * Math.max(...spec.groups.map((g) => g.label.length)));
  const perRow = Math.max(1, Math.floor((WIDTH - 16) / LEGEND_W));
  const legendRows = Math.ceil(spec.series.length / perRow);
  const groupH = spec.series.length * BAR + GAP * 2;
  const plotH = spec.groups.length * groupH;
  const plotTop = 30 + legendRows * 16 + 16; // title, legend rows, room for the baseline's label
  const height = plotTop + plotH + AXIS_H;
  const values = spec.groups.flatMap((g) => Object.values(g.values));
  const { top, step } = axis(Math.min(spec.cap ?? Infinity, Math.max(...values, spec.baseline?.value ?? 0)));
  const plotW = WIDTH - left - RIGHT;
  const x = (v: number) => left + (Math.min(v, top) / top) * plotW;
  const out: string[] = [`<g class="chart" transform="translate(0,${y})">`];
  out.push(`<text class="title" x="8" y="20" font-size="15" font-weight="bold">${esc(spec.title)}</text>`);
  spec.series.forEach((s, i) => {
    const lx = 8 + (i % perRow) * LEGEND_W;
    const ly = 30 + Math.floor(i / perRow) * 16;
    out.push(`<rect class="legend ${esc(s.key)}" x="${lx}" y="${ly}" width="10" height="10" fill="${s.color}"/>`);
    out.push(`<text x="${lx + 14}" y="${ly + 9}" font-size="11">${esc(s.label)}</text>`);
  });
  const LEFT = left;
  for (let t = 0; t <= top + step / 2; t += step) {
    out.push(`<line class="grid" x1="${num(x(t))}" y1="${plotTop}" x2="${num(x(t))}" y2="${plotTop + plotH}" stroke="#e3e3e3"/>`);
    out.push(`<text class="tick" x="${num(x(t))}" y="${plotTop + plotH + 14}" font-size="10" text-anchor="middle">${num(t)}</text>`);
  }
  out.push(`<text class="unit" x="${LEFT + plotW / 2}" y="${plotTop + plotH + 29}" font-size="11" text-anchor="middle">${esc(spec.unit)}</text>`);
  spec.groups.forEach((g, gi) => {
    const gy = plotTop + gi * groupH + GAP;
    out.push(`<text class="group-label" x="${LEFT - 8}" y="${gy + (spec.series.length * BAR) / 2 + 4}" font-size="12" text-anchor="end">${esc(g.label)}</text>`);
    spec.series.forEach((s, si) => {
      const v = g.values[s.key];
      if (v === undefined || !Number.isFinite(v)) return;
      const by = gy + si * BAR;
      out.push(
        `<rect class="bar ${esc(s.key)}" data-group="${esc(g.label)}" data-series="${esc(s.key)}" data-value="${v}" x="${LEFT}" y="${by}" width="${num(Math.max(0.5, x(v) - LEFT))}" height="${BAR - 2}" fill="${s.color}"><title>${esc(`${g.label} ${s.label}: ${fmtValue(v)} ${spec.unit}`)}</title></rect>`,
      );
      const cut = v > top;
      if (cut) out.push(`<text class="cut" x="${num(x(v) - 9)}" y="${by + BAR - 3}" font-size="10" fill="#fff" font-weight="bold">//</text>`);
      out.push(`<text class="value" x="${num(x(v) + 4)}" y="${by + BAR - 3}" font-size="9"${cut ? ' font-weight="bold"' : ''}>${fmtValue(v)}</text>`);
    });
  });
  out.push(`<line class="axis" x1="${LEFT}" y1="${plotTop}" x2="${LEFT}" y2="${plotTop + plotH}" stroke="#333"/>`);
  if (spec.baseline) {
    const bx = num(x(spec.baseline.value));
    out.push(`<line class="baseline" data-value="${spec.baseline.value}" x1="${bx}" y1="${plotTop - 4}" x2="${bx}" y2="${plotTop + plotH}" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="5,3"/>`);
    out.push(`<text class="baseline-label" x="${bx}" y="${plotTop - 7}" font-size="10" fill="#c0392b" text-anchor="middle">${esc(spec.baseline.label)}</text>`);
  }
  out.push('</g>');
  return { svg: out.join('\n'), height };
}

/** A standalone SVG document with the charts stacked vertically, and a footer line (machine, date). */
export function renderSvg(charts: ChartSpec[], footer?: string): string {
  let y = 8;
  const parts: string[] = [];
  for (const c of charts) {
    const p = panel(c, y);
    parts.push(p.svg);
    y += p.height + 16;
  }
  if (footer) {
    parts.push(`<text class="footer" x="8" y="${y + 4}" font-size="10" fill="#555">${esc(footer)}</text>`);
    y += 14;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
