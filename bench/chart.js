// docs/benchmarks.svg: the latency distribution of warm credential-process answers against their
// floors, of fresh SDK processes resolving credentials (default line, native sso-session, static
// keys), and populate's wall time against the rate-limit bound. Plain SVG, no dependencies: box
// plots with every run drawn as a dot.

const WIDTH = 760;
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

function quantile(sorted, q) {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (pos - lo);
}

/** A horizontal axis with ticks at round numbers. */
function axis(x0, x1, y, max, unit) {
  const step = [1, 2, 5, 10, 20, 50, 100, 200, 500].find((s) => max / s <= 8) ?? 1000;
  let out = `<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="#888"/>`;
  for (let v = 0; v <= max; v += step) {
    const x = x0 + ((x1 - x0) * v) / max;
    out += `<line x1="${x}" y1="${y}" x2="${x}" y2="${y + 4}" stroke="#888"/><text x="${x}" y="${y + 16}" font-size="11" text-anchor="middle" fill="#444">${v}${unit}</text>`;
  }
  return out;
}

function latencyPanel(title, latencies, top) {
  const left = 220;
  const right = WIDTH - 150; // room for the labels after each row
  const rowHeight = 34;
  const max = Math.max(...latencies.flatMap(([, xs]) => xs)) * 1.05;
  const scale = (ms) => left + ((right - left) * ms) / max;
  let out = `<text x="10" y="${top}" font-size="14" font-weight="bold">${esc(title)}</text>`;
  latencies.forEach(([label, xs], i) => {
    const y = top + 20 + i * rowHeight + rowHeight / 2;
    const sorted = [...xs].sort((a, b) => a - b);
    const [q1, med, q3] = [0.25, 0.5, 0.75].map((q) => quantile(sorted, q));
    out += `<text x="${left - 8}" y="${y + 4}" font-size="12" text-anchor="end">${esc(label)}</text>`;
    out += `<line x1="${scale(sorted[0])}" y1="${y}" x2="${scale(sorted.at(-1))}" y2="${y}" stroke="#999"/>`;
    out += `<rect x="${scale(q1)}" y="${y - 9}" width="${Math.max(1, scale(q3) - scale(q1))}" height="18" fill="#cfe0f5" stroke="#3b6ea8"/>`;
    out += `<line x1="${scale(med)}" y1="${y - 9}" x2="${scale(med)}" y2="${y + 9}" stroke="#1d3f6e" stroke-width="2"/>`;
    for (const ms of xs) out += `<circle cx="${scale(ms)}" cy="${y}" r="1.6" fill="#1d3f6e" fill-opacity="0.45"/>`;
    out += `<text x="${Math.min(right, scale(sorted.at(-1)) + 6)}" y="${y + 4}" font-size="11" fill="#444">median ${med.toFixed(1)}</text>`;
  });
  const axisY = top + 20 + latencies.length * rowHeight + 4;
  return { svg: out + axis(left, right, axisY, max, ''), bottom: axisY + 24 };
}

function populatePanel(runs, top) {
  const left = 220;
  const right = WIDTH - 150; // room for the labels after each row
  const max = Math.max(...runs.flatMap((r) => [r.seconds, r.bound * 1.1])) * 1.05;
  const scale = (s) => left + ((right - left) * s) / max;
  let out = `<text x="10" y="${top}" font-size="14" font-weight="bold">populate wall time (s) against the rate-limit bound (calls ÷ limit)</text>`;
  runs.forEach((r, i) => {
    const y = top + 24 + i * 26;
    out += `<text x="${left - 8}" y="${y + 4}" font-size="12" text-anchor="end">run ${i + 1}</text>`;
    out += `<rect x="${left}" y="${y - 8}" width="${scale(r.seconds) - left}" height="16" fill="#9fd19f" stroke="#3c8a3c"/>`;
    out += `<line x1="${scale(r.bound)}" y1="${y - 12}" x2="${scale(r.bound)}" y2="${y + 12}" stroke="#b33" stroke-width="2"/>`;
    out += `<line x1="${scale(r.bound * 1.1)}" y1="${y - 12}" x2="${scale(r.bound * 1.1)}" y2="${y + 12}" stroke="#b33" stroke-dasharray="3 2"/>`;
    out += `<text x="${scale(Math.max(r.seconds, r.bound * 1.1)) + 6}" y="${y + 4}" font-size="11" fill="#444">${r.seconds.toFixed(1)} s, ${(r.seconds / r.bound).toFixed(3)}× the bound</text>`;
  });
  const axisY = top + 24 + runs.length * 26;
  const legend = `<text x="${left}" y="${axisY + 36}" font-size="11" fill="#b33">solid: the bound; dashed: the 1.1× target</text>`;
  return { svg: out + axis(left, right, axisY, max, '') + legend, bottom: axisY + 46 };
}

export function writeChart({ latencies, fresh, populate }) {
  const warm = latencyPanel('Warm credential-process latency (ms), every run', latencies, 24);
  const sdk = latencyPanel('Fresh SDK process resolving credentials (ms), every run', fresh, warm.bottom + 30);
  const last = populatePanel(populate, sdk.bottom + 30);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${last.bottom + 10}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
${warm.svg}
${sdk.svg}
${last.svg}
</svg>
`;
}
