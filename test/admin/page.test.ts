import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.ts';
import { FakeHoneycomb } from '../support/fake-honeycomb.ts';
import { post, traceRequest } from '../support/otlp.ts';
import { startRelay, waitFor, type TestRelay } from '../support/relay.ts';

const GOOD = 'abcdefghijklmnopqrstuv';
const MISTYPED = 'abcdefghijklmnopqrstuw'; // the right shape, one character off: Honeycomb answers 401
const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

let hc: FakeHoneycomb;
let r: TestRelay;
let browser: { context: BrowserContext; dir: string };
let page: Page;
const requested: string[] = [];
const bodies: Array<{ url: string; body: string }> = [];

before(async () => {
  hc = await new FakeHoneycomb([GOOD]).start();
  r = await startRelay(
    `
service: { admin: { endpoint: "127.0.0.1:0" } }
receivers:
  otlp:
    http: { endpoint: "127.0.0.1:0" }
exporters:
  honeycomb: { type: honeycomb, api_key: "\${env:HONEYCOMB_API_KEY}", endpoint: "${hc.url}", batch: { timeout: 10ms } }
  console: { type: debug, batch: { timeout: 10ms } }
routes:
  - { signals: [traces, logs], to: [honeycomb, console] }
`,
    { HONEYCOMB_API_KEY: MISTYPED },
    { admin: true, stdout: sink() },
  );
  const checkout = traceRequest('checkout-service', [{ name: 'POST /checkout' }, { name: 'charge card', error: true, exception: true }]);
  assert.equal((await post(r.httpUrl, '/v1/traces', checkout.bytes)).status, 200);
  await waitFor(() => r.relay.runners.get('honeycomb')?.status().state === 'failing', 10_000, 'Honeycomb refusing the key');
  await waitFor(() => r.relay.recent.traces().length === 1, 10_000, 'the trace in the sample');
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('request', (req) => requested.push(req.url()));
  page.on('response', (res) => void res.text().then((body) => bodies.push({ url: res.url(), body }), () => undefined));
  await page.goto(`${r.adminUrl}/`);
});

after(async () => {
  await browser?.context.close();
  await r?.stop();
  await hc?.stop();
});

test('the status page loads with the exporters, and the trace sent through the relay is in the waterfall', async () => {
  await page.waitForSelector('.card[data-exporter="console"] .badge.ok');
  await page.waitForSelector('.wf-row >> text=charge card');
  const rows = await page.locator('.wf-row .wf-name').allTextContents();
  assert.deepEqual(rows, ['checkout-servicePOST /checkout', 'checkout-servicecharge card'], 'service tag and span name, in start order');
  assert.equal(await page.locator('.wf-row.error').count(), 1, 'the error span is highlighted');
  await page.locator('.wf-row.error').click();
  const detail = await page.locator('#span-detail').textContent();
  assert.match(detail ?? '', /exception\.type\s*ValueError/);
  assert.match(detail ?? '', /status\s*ERROR: failed/);
  assert.match((await page.locator('#errors').textContent()) ?? '', /ValueError\s*boom/);
});

test('an exporter failure shows its reason: Honeycomb refused the key, in its own words', async () => {
  const card = page.locator('.card[data-exporter="honeycomb"]');
  await card.locator('.badge.failing').waitFor();
  const text = (await card.locator('.lasterror').textContent()) ?? '';
  assert.match(text, /Honeycomb refused the API key \(401\): unknown API key/);
  assert.match((await card.locator('.counts').textContent()) ?? '', /failed 2/);
});

test('live: a trace sent while the page is open appears without a reload', async () => {
  assert.equal((await post(r.httpUrl, '/v1/traces', traceRequest('late-service', [{ name: 'late arrival' }]).bytes)).status, 200);
  await page.waitForSelector('.trace-item >> text=late arrival');
  await page.selectOption('#service', 'late-service');
  await page.waitForSelector('.wf-row >> text=late arrival');
  assert.equal(await page.locator('.trace-item').count(), 1, 'the service filter keeps only that service');
  await page.selectOption('#service', '');
  await page.waitForSelector('.trace-item >> nth=1');
});

test('no API key anywhere: not in the page, not in any response; nothing fetched from another origin', async () => {
  const html = await page.content();
  assert.ok(!html.includes(MISTYPED), 'the page HTML holds no key');
  assert.ok(bodies.length >= 5, `responses seen: ${bodies.map((b) => b.url).join(', ')}`);
  for (const b of bodies) assert.ok(!b.body.includes(MISTYPED), `${b.url} must not contain the key`);
  const foreign = requested.filter((u) => !u.startsWith(`${r.adminUrl}/`));
  assert.deepEqual(foreign, [], 'every request goes to the relay itself');
});

test('a screenshot of the page', async (t) => {
  await page.locator('.trace-item >> text=POST /checkout').click();
  await page.locator('.wf-row.error').click();
  await page.waitForSelector('#span-detail');
  const file = join(browser.dir, 'status-page.png');
  await page.screenshot({ path: file, fullPage: true });
  assert.ok(existsSync(file) && statSync(file).size > 10_000);
  t.diagnostic(`screenshot: ${file}`);
});
