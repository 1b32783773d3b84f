import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { barChart, groupedBarChart, heatmapChart, lineChart } from '../src/plot/charts';
import { figureFragment, figurePage, figureTitle, writeFigureHtml } from '../src/plot/html';
import { show, inlineHtml, resetInlineSession } from '../src/plot/inline';
import { findChromium, writeFigurePng } from '../src/plot/png';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-plot-'));

test('bar chart keeps the given order and colours by category', () => {
  const fig = barChart([['A1', 18], ['A2', 161], ['B1', 279]], { title: 'levels', colors: { A1: '#111111', B1: '#333333' } });
  assert.deepEqual(fig.data[0].x, ['A1', 'A2', 'B1']);
  assert.deepEqual(fig.data[0].y, [18, 161, 279]);
  assert.deepEqual((fig.data[0].marker as { color: string[] }).color, ['#111111', '#888', '#333333']);
  assert.equal(figureTitle(fig), 'levels');
});

test('grouped bars: one trace per series over the same categories, labels blank for missing', () => {
  const fig = groupedBarChart(['agreement', 'article'], [{ name: 'blank', values: [9, 4] }, { name: 'with-next-word', values: [8, null] }], { title: 'pairs' });
  assert.deepEqual(fig.data.map((d) => d.name), ['blank', 'with-next-word']);
  assert.deepEqual(fig.data.map((d) => d.x), [['agreement', 'article'], ['agreement', 'article']]);
  assert.deepEqual(fig.data[1].text, ['8', '']);
  assert.equal((fig.layout as { barmode: string }).barmode, 'group');
  assert.equal(figureTitle(fig), 'pairs');
});

test('heatmap writes its values into the cells, blank for missing', () => {
  const fig = heatmapChart(['general', 'B1'], ['B1', 'B2'], [[12.345, null], [10, 11.04]], { digits: 2 });
  assert.deepEqual(fig.data[0].text, [['12.35', ''], ['10.00', '11.04']]);
});

test('fragments escape "<" so figure text cannot close the script element', () => {
  const fig = lineChart([{ name: '</script><b>', x: [1, 2], y: [3, 4] }]);
  const html = figureFragment(fig, 'id1');
  assert.ok(!html.includes('</script><b>'));
  assert.ok(html.includes('\\u003c/script>'));
  assert.match(html, /Plotly\.newPlot\("id1"/);
});

test('the standalone page inlines the plotly bundle once and needs no network', () => {
  const page = figurePage(barChart([['x', 1]], { title: 'offline' }));
  assert.equal(page.match(/window\.Plotly\.newPlot\(/g)?.length, 1);
  assert.ok(!/<script[^>]+src=/.test(page), 'no external scripts');
  assert.ok(page.length > 1_000_000, 'the bundle is inlined');
  assert.match(page, /<title>offline<\/title>/);
  const file = path.join(tmp(), 'f.html');
  writeFigureHtml(barChart([['x', 1]]), file);
  assert.equal(fs.readFileSync(file, 'utf8').includes('var define=undefined'), true);
});

test('inline display embeds the bundle with the first figure only', () => {
  resetInlineSession();
  const shown: string[] = [];
  const display = { html: (s: string) => shown.push(s) };
  show(barChart([['a', 1]]), display);
  show([barChart([['b', 2]]), barChart([['c', 3]])], display);
  assert.equal(shown.length, 2);
  assert.ok(shown[0].includes('var define=undefined'));
  assert.ok(!shown[1].includes('var define=undefined'));
  assert.equal(shown[1].match(/Plotly\.newPlot/g)?.length, 2);
  assert.equal(inlineHtml([barChart([['a', 1]])], false).includes('plotly.js v'), false);
});

test('PNG export draws the figure (non-blank image of the figure size)', { skip: findChromium() ? false : 'chromium not installed' }, () => {
  const file = path.join(tmp(), 'bars.png');
  writeFigurePng({ ...barChart([['A1', 5], ['A2', 9]], { colors: { A1: '#ff0000', A2: '#0000ff' } }), layout: { width: 400, height: 300 } }, file);
  const png = fs.readFileSync(file);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.readUInt32BE(16), 400);
  assert.equal(png.readUInt32BE(20), 300);
  assert.ok(png.length > 3000, 'a drawn chart compresses to more than a blank page');
});
