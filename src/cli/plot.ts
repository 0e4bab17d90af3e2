/**
 * @file Loss curves from metrics.jsonl to SVG (vega-lite, rendered headless by vega) and PNG
 * (resvg). Train loss per step and validation loss at each evaluation, on one chart.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface LossPoint {
  step: number;
  loss: number;
  series: 'train' | 'validation';
}

/** Reads the loss points of a metrics.jsonl file (lines with `loss` or `valLoss`). */
export function readLossPoints(metricsPath: string): LossPoint[] {
  const points: LossPoint[] = [];
  for (const line of readFileSync(metricsPath, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const m = JSON.parse(line) as { step?: number; loss?: number; valLoss?: number };
    if (typeof m.step !== 'number') continue;
    if (typeof m.loss === 'number') points.push({ step: m.step, loss: m.loss, series: 'train' });
    if (typeof m.valLoss === 'number') points.push({ step: m.step, loss: m.valLoss, series: 'validation' });
  }
  return points;
}

/** Writes `<base>.svg` and `<base>.png` with the loss curves; returns the SVG text. */
export async function writeLossPlot(points: LossPoint[], base: string, title: string): Promise<string> {
  return writeLinePlot(points.map((p) => ({ x: p.step, y: p.loss, series: p.series })), base, { title, x: 'step', y: 'loss (nats per byte)' });
}

export interface LinePoint {
  x: number;
  y: number;
  series: string;
}

/** Writes `<base>.svg` and `<base>.png`: one line per series; returns the SVG text. */
export async function writeLinePlot(points: LinePoint[], base: string, titles: { title: string; x: string; y: string }, yDomain?: [number, number]): Promise<string> {
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titles.title, width: 640, height: 360, background: 'white',
    data: { values: points },
    mark: { type: 'line', point: false, strokeWidth: 1.5, clip: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: titles.x },
      y: { field: 'y', type: 'quantitative', title: titles.y, scale: yDomain === undefined ? { zero: false } : { zero: false, domain: yDomain } },
      color: { field: 'series', type: 'nominal', title: null },
    },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  writeFileSync(`${base}.svg`, svg);
  writeFileSync(`${base}.png`, new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true } }).render().asPng());
  return svg;
}
