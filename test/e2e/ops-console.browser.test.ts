// The ops console (/ops) in a real browser, Debian's Chromium through playwright-core, against
// the real local host started in process, at phone size and at desktop size: sign in with the
// link's token, watch a signed lead arrive live and follow its timeline to the HubSpot record,
// find it by email, redrive a lead HubSpot refused once the fault is cleared, and replay a
// quarantined payload after the config FILE is fixed and the host has reloaded it. Nothing the
// page loads may come from anywhere but the host, and it may log no error.
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPipelineConfig } from '../../functions/config/checks.ts';
import { createLogger } from '../../functions/observability/logger.ts';
import type { LedgerTimeline } from '../../functions/ports.ts';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import {
  type Browser,
  fitsWidth,
  isPng,
  launchBrowser,
  type PageWatch,
  watchPage,
} from '../support/browser.ts';
import { formPayload, resolveE2eSecret } from '../support/config.ts';
import { sandboxRecords, setSandboxFaults } from '../support/sandboxes.ts';
import { waitUntil } from '../support/wait.ts';
import { createWebhookSender, type WebhookSender } from '../support/webhooks.ts';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
/** No single browser step may wait longer than this. */
const STEP_MS = 15_000;
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const DOCS = join(import.meta.dirname, '..', '..', 'docs');

const LIVE_EMAIL = 'ops-console-live@e2e.example.com';
const REFUSED_EMAIL = 'ops-console-refused@e2e.example.com';
const PARTNER_EMAIL = 'ops-console-partner@e2e.example.com';
/** Lead data is untrusted: markup, an emoji and right-to-left text, all to be shown as text. */
const HOSTILE_FIRST = '<img src=x onerror=alert(1)>';
const HOSTILE_LAST = 'Zoë 🚀 مريم';

/**
 * The host's config file: `form` (generic preset) and `partners`, whose JSONata mapping is the
 * part under repair; HubSpot takes every lead, Slack only hot ones (so routing has a "why not").
 */
const configFile = (partnersMapping: string) => `# written by ops-console.browser.test.ts
settings:
  phoneRegion: US
sources:
  form:
    description: Demo requests from the website
    owner: growth@e2e.example.com
    dataClass: personal
    verify:
      scheme: standard-webhooks
      secrets: [env:E2E_SOURCE_SECRET]
    mapping:
      preset: generic
  partners:
    description: Referrals from the partner portal
    owner: partnerships
    verify:
      scheme: standard-webhooks
      secrets: [env:E2E_SOURCE_SECRET]
    mapping:
      jsonata: '${partnersMapping}'
destinations:
  hubspot:
    type: hubspot
    accessToken: env:E2E_HUBSPOT_TOKEN
  slack:
    type: slack
    token: env:E2E_SLACK_TOKEN
    channel: '#hot-leads'
    filter:
      score: [{ numeric: ['>=', 70] }]
`;
/** Maps the name but not the email: every partner payload is quarantined (no_contact). */
const BROKEN = configFile('{ "firstName": contact.first }');
const FIXED = configFile('{ "email": contact.email, "firstName": contact.first }');

let host: LocalHost;
let dataDir: string;
let configDir: string;
let configPath: string;
let browser: Browser;
let desktop: Page;
let phone: Page;
const watches: PageWatch[] = [];
let form: WebhookSender;
let partners: WebhookSender;
/** The lead ids the steps below create, in order. */
const leads: { live?: string; refused?: string; partner?: string } = {};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'leadpipe-ops-console-'));
  configDir = await mkdtemp(join(tmpdir(), 'leadpipe-ops-console-config-'));
  configPath = join(configDir, 'leadpipe.config.yaml');
  await writeFile(configPath, BROKEN);
  const config = await loadPipelineConfig(configPath);
  host = await startLocalHost({
    config,
    configPath,
    port: 0,
    dataDir,
    resolveSecret: resolveE2eSecret,
    logger: createLogger({ logLevel: 'SILENT' }),
  });
  const sender = (source: string) =>
    createWebhookSender({ baseUrl: host.url, config, source, resolveSecret: resolveE2eSecret });
  [form, partners] = await Promise.all([sender('form'), sender('partners')]);

  browser = await launchBrowser({ viewport: DESKTOP });
  desktop = browser.context.pages()[0] ?? (await browser.context.newPage());
  phone = await browser.context.newPage();
  await phone.setViewportSize(PHONE);
  for (const page of [desktop, phone]) {
    page.setDefaultTimeout(STEP_MS);
    watches.push(watchPage(page));
  }
}, 30_000);

afterAll(async () => {
  // The browser first: its open event streams end before the host does.
  await browser?.close();
  await host?.end();
  for (const dir of [dataDir, configDir]) if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * The page a person is looking at: both pages share one window, and Chromium throttles a
 * background tab's timers and frames (a click there waits seconds for the element to settle).
 */
async function use(page: Page): Promise<Page> {
  await page.bringToFront();
  return page;
}

/** Opens a section by its navigation link, as a person would. */
async function openSection(page: Page, name: string): Promise<void> {
  await use(page);
  await page.locator('#nav').getByRole('link', { name, exact: false }).click();
  await page.locator(`section.view:not([hidden]) h2`).filter({ hasText: name }).waitFor();
}

/** The timeline's steps as their markers say them, oldest first. */
const timelineMarkers = (page: Page) =>
  page.$$eval('#lead-events > li', (items) => items.map((item) => item.getAttribute('data-kind')));

/** True when `expected` occurs in `actual` in this order (other steps may come between). */
function inOrder(actual: readonly (string | null)[], expected: readonly string[]): boolean {
  let at = 0;
  for (const item of actual) if (item === expected[at]) at++;
  return at === expected.length;
}

/** The lead's timeline as the console API has it (what the page must show). */
async function timelineOf(leadId: string): Promise<LedgerTimeline> {
  const response = await fetch(`${host.url}/ops/api/leads/${leadId}`, {
    headers: { authorization: `Bearer ${host.consoleToken}` },
  });
  if (!response.ok) throw new Error(`GET the timeline of ${leadId} answered ${response.status}`);
  return (await response.json()) as LedgerTimeline;
}

/**
 * A TCP pass-through to the host whose open connections can be cut at once: a network drop as the
 * page sees it (Chromium's offline emulation leaves an open stream alone).
 */
async function startCuttableProxy(
  port: number,
): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    const drop = () => {
      for (const socket of [client, upstream]) {
        socket.destroy();
        sockets.delete(socket);
      }
    };
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', drop);
      socket.on('close', drop);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut,
    close: () =>
      new Promise<void>((resolve) => {
        cut();
        server.close(() => resolve());
      }),
  };
}

const leadIdOf = (answer: { status: number; body: string }) => {
  expect(answer.status).toBe(202);
  return (JSON.parse(answer.body) as { leadId: string }).leadId;
};

describe('the ops console in Chromium, at phone and desktop size', () => {
  it('opens from the link with the token, and takes the token out of the address bar', async () => {
    for (const page of [desktop, phone]) {
      // Act
      await use(page);
      const response = await page.goto(`${host.consoleUrl}#token=${encodeURIComponent(host.consoleToken)}`);

      // Assess
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-security-policy']).toBe(CSP);
      await page.locator('#connection[data-state="live"]').waitFor();
      expect(page.url()).toBe(host.consoleUrl);
      expect(await page.evaluate("sessionStorage.getItem('leadpipe.console.token')")).toBe(host.consoleToken);
      expect(await page.locator('#config-version').getAttribute('data-version')).toBe(
        host.configVersion().version,
      );
      expect(await page.locator('#view-feed').isVisible()).toBe(true);
      expect(await fitsWidth(page)).toBe(true);
    }
  });

  it('asks for a token when it has none (the API answers 401), and shows the server message for a wrong one', async () => {
    // Prepare: a tab of its own, so its refusals are not the other pages' errors.
    const refused = await fetch(`${host.url}/ops/api/overview`);
    const refusal = (await refused.json()) as { error: { code: string; message: string } };
    const page = await browser.context.newPage();
    page.setDefaultTimeout(STEP_MS);
    await page.setViewportSize(PHONE);
    const watch = watchPage(page);

    // Act
    await page.goto(host.consoleUrl);
    await page.locator('#signin').waitFor();
    await page.getByLabel('Console token').fill('not-the-token');
    await page.getByRole('button', { name: 'Open the console' }).click();
    await page.locator('#signin-message:not([hidden])').waitFor();
    const message = await page.locator('#signin-message').textContent();
    await page.getByLabel('Console token').fill(host.consoleToken);
    await page.getByRole('button', { name: 'Open the console' }).click();
    await page.locator('#connection[data-state="live"]').waitFor();

    // Assess
    expect(refused.status).toBe(401);
    expect(refusal.error.code).toBe('unauthorized');
    expect(message).toBe(refusal.error.message);
    expect(await page.locator('#nav').isVisible()).toBe(true);
    expect(await page.locator('#signin').isHidden()).toBe(true);
    // The wrong token's 401 is the only thing Chromium logged.
    expect(watch.errors.every((error) => /401/.test(error))).toBe(true);
    expect(watch.requests.every((url) => url.startsWith(`${host.url}/`))).toBe(true);
    await page.close();
  });

  it('shows a signed lead in the live feed without a reload; its timeline goes received, mapped, routed, delivered', async () => {
    // Act
    leads.live = leadIdOf(
      await form.send({
        ...formPayload(1, { email: LIVE_EMAIL }),
        first_name: HOSTILE_FIRST,
        last_name: HOSTILE_LAST,
      }),
    );
    const leadId = leads.live;

    // Assess: both pages see it arrive and be delivered.
    for (const page of [desktop, phone]) {
      await page.locator(`#feed-list li[data-lead="${leadId}"][data-kind="accepted"]`).waitFor();
      await page.locator(`#feed-list li[data-lead="${leadId}"][data-kind="delivered"]`).waitFor();
    }
    const contact = await waitUntil(
      'the lead in the HubSpot sandbox',
      async () =>
        (await sandboxRecords.hubspot(host.url)).contacts.find((c) => c.properties.email === LIVE_EMAIL),
      { timeoutMs: STEP_MS },
    );
    for (const page of [desktop, phone]) {
      await use(page);
      await page.locator(`#feed-list li[data-lead="${leadId}"][data-kind="accepted"] button`).click();
      await page.locator('#lead-events > li[data-kind="delivered"]').waitFor();
      expect(page.url()).toBe(`${host.consoleUrl}#lead=${leadId}`);
      expect(await timelineMarkers(page)).toEqual(['accepted', 'mapped', 'routed', 'delivered']);
      const received = page.locator('#lead-events > li[data-event="received"]');
      expect(await received.textContent()).toContain('form');
      expect(await page.locator('#lead-events > li[data-kind="delivered"]').textContent()).toContain(
        contact.id,
      );
      expect(await page.locator('#lead-events [data-unmatched="slack"]').count()).toBe(1);
      expect(await page.locator('#lead-summary').textContent()).toContain(LIVE_EMAIL);
      expect(await page.locator('#lead-summary').textContent()).toContain(`${HOSTILE_FIRST} ${HOSTILE_LAST}`);
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.locator('#lead-summary [data-marker="delivered"]').count()).toBeGreaterThan(0);
      expect(await fitsWidth(page)).toBe(true);
    }
  });

  it('reconnects after the connection drops, resuming with Last-Event-ID', async () => {
    // Prepare: a page of its own, reaching the host through a connection the test can cut.
    const proxy = await startCuttableProxy(host.port);
    const page = await browser.context.newPage();
    page.setDefaultTimeout(STEP_MS);
    const watch = watchPage(page);
    const streams: (string | undefined)[] = [];
    page.on('request', (request) => {
      if (request.url() === `${proxy.url}/ops/api/events`) streams.push(request.headers()['last-event-id']);
    });
    try {
      await use(page);
      await page.goto(`${proxy.url}/ops#token=${encodeURIComponent(host.consoleToken)}`);
      await page.locator('#connection[data-state="live"]').waitFor();
      const before = leadIdOf(await form.send(formPayload(3)));
      await page.locator(`#feed-list li[data-lead="${before}"][data-kind="delivered"]`).waitFor();

      // Act: the connection drops, and a lead arrives meanwhile.
      proxy.cut();
      await page.locator('#connection[data-state="reconnecting"]').waitFor();
      const missed = leadIdOf(await form.send(formPayload(4)));

      // Assess
      await page.locator('#connection[data-state="live"]').waitFor();
      await page.locator(`#feed-list li[data-lead="${missed}"][data-kind="delivered"]`).waitFor();
      expect(streams.length).toBeGreaterThanOrEqual(2);
      expect(streams[0]).toBeUndefined();
      expect(Number(streams.at(-1))).toBeGreaterThan(0);
      // What Chromium logged is the drop itself, nothing else.
      expect(watch.errors.every((error) => /net::ERR_/.test(error))).toBe(true);
    } finally {
      await page.close();
      await proxy.close();
    }
  });

  it('finds the lead by its email typed in another case', async () => {
    for (const page of [phone, desktop]) {
      // Act
      await openSection(page, 'Leads');
      await page
        .getByLabel('Email, phone, lead id or correlation id')
        .fill('OPS-Console-Live@E2E.Example.COM');
      await page.getByRole('button', { name: 'Search' }).click();

      // Assess
      await page.locator(`#leads-results tr[data-lead="${leads.live}"]`).waitFor();
      expect(await page.locator('#leads-results tbody tr').count()).toBe(1);
      expect(await page.locator(`#leads-results tr[data-lead="${leads.live}"]`).textContent()).toContain(
        LIVE_EMAIL,
      );
      expect(await fitsWidth(page)).toBe(true);
    }
  });

  it('shows a lead HubSpot refused as failed with its reason, and redrives it from the console once fixed', async () => {
    // Prepare: HubSpot refuses every record (a 207 validation error); the phone's feed is paused.
    await setSandboxFaults(host.url, 'hubspot', { recordErrorRate: 1 });
    await openSection(phone, 'Live feed');
    await phone.getByRole('button', { name: 'Pause' }).click();

    // Act
    leads.refused = leadIdOf(await form.send(formPayload(2, { email: REFUSED_EMAIL })));
    const leadId = leads.refused;

    // Assess: failed, with the vendor's reason, on the timeline.
    await use(desktop);
    await desktop.goto(`${host.consoleUrl}#lead=${leadId}`);
    await desktop.locator('#lead-summary .summary-status [data-marker="failed"]').waitFor();
    const deadLettered = (await timelineOf(leadId)).events.find((event) => event.kind === 'dead-lettered');
    expect(deadLettered && 'reason' in deadLettered ? deadLettered.reason : '').toMatch(/INVALID_EMAIL/);
    const step = desktop.locator('#lead-events > li[data-kind="dead-lettered"]');
    expect(await step.textContent()).toContain(
      deadLettered && 'reason' in deadLettered ? deadLettered.reason : '?',
    );
    expect(
      await desktop
        .locator('#lead-summary [data-destination="hubspot"] [data-marker="dead-lettered"]')
        .count(),
    ).toBe(1);

    // Assess: the paused feed counted what came and shows it on resume.
    await use(phone);
    const pause = phone.locator('#feed-pause');
    await pause.filter({ hasText: /^Resume \(\d+ new\)$/ }).waitFor();
    expect(await phone.locator(`#feed-list li[data-lead="${leadId}"]`).count()).toBe(0);
    await pause.click();
    await phone.locator(`#feed-list li[data-lead="${leadId}"][data-kind="dead-lettered"]`).waitFor();
    expect(await phone.locator('#feed-arrived').textContent()).toMatch(/arrived while paused/);

    // Act: the cause fixed, redrive it from the Destinations card.
    await setSandboxFaults(host.url, 'hubspot', {});
    await openSection(desktop, 'Destinations');
    const card = desktop.locator('article.destination[data-destination="hubspot"]');
    await card.locator('[data-figure="dead-letters"]').filter({ hasText: /^1$/ }).waitFor();
    await card.getByRole('button', { name: /Show dead letters/ }).click();
    const letter = card.locator(`li.letter[data-lead="${leadId}"]`);
    await letter.waitFor();
    expect(await letter.locator('.letter-reason').textContent()).toMatch(/INVALID_EMAIL/);
    await letter.getByRole('button', { name: 'Show' }).click();
    expect(await letter.locator('pre.body').textContent()).toContain(REFUSED_EMAIL);
    await letter.getByRole('button', { name: 'Redrive' }).click();

    // Assess: moved, then redriven and delivered on the timeline, and in the sandbox.
    await card.locator('p.status').filter({ hasText: 'moved 1 of 1' }).waitFor();
    await desktop
      .locator(`article.destination[data-destination="hubspot"] [data-figure="dead-letters"]`)
      .filter({ hasText: /^0$/ })
      .waitFor();
    await desktop.goto(`${host.consoleUrl}#lead=${leadId}`);
    await desktop.locator('#lead-events > li[data-kind="redriven"] ~ li[data-kind="delivered"]').waitFor();
    expect(
      inOrder(await timelineMarkers(desktop), [
        'accepted',
        'routed',
        'rejected',
        'dead-lettered',
        'redriven',
        'delivered',
      ]),
    ).toBe(true);
    await waitUntil(
      'the redriven lead in the HubSpot sandbox',
      async () =>
        (await sandboxRecords.hubspot(host.url)).contacts.find((c) => c.properties.email === REFUSED_EMAIL),
      { timeoutMs: STEP_MS },
    );
    expect(await desktop.locator('#lead-summary .summary-status [data-marker="delivered"]').count()).toBe(1);

    // Assess: the phone's card view fits too.
    await openSection(phone, 'Destinations');
    await phone
      .locator('article.destination[data-destination="hubspot"] svg.hour-chart rect.bar-bad')
      .first()
      .waitFor();
    expect(await fitsWidth(phone)).toBe(true);
  });

  it('replays a quarantined payload once the config file is fixed and the host has reloaded it', async () => {
    // Prepare
    const before = host.configVersion().version;
    const answer = await partners.send({ contact: { email: PARTNER_EMAIL, first: 'Pat' } });
    leads.partner = leadIdOf(answer);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'quarantined', reason: { code: 'no_contact' } });
    const leadId = leads.partner;
    await openSection(phone, 'Quarantine');
    const row = phone.locator(`#quarantine-list li[data-lead="${leadId}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('no_contact');
    await row.getByRole('button', { name: 'Show' }).click();
    expect(await row.locator('pre.body').textContent()).toContain(PARTNER_EMAIL);

    // Act: a replay with the broken mapping changes nothing…
    await row.getByRole('button', { name: 'Replay' }).click();
    const replayButton = await row.getByRole('button', { name: 'Replay' }).elementHandle();
    await row.locator('p.status').filter({ hasText: 'Still quarantined:' }).waitFor();
    // The replay's ledger step makes the list read itself again: the focus stays on that button.
    await phone.waitForFunction((button) => !button?.isConnected, replayButton);
    expect(
      await row
        .locator('[data-action="replay"]')
        .evaluate((button) => button === button.ownerDocument.activeElement),
    ).toBe(true);
    expect(await row.locator('p.status').textContent()).toContain('Still quarantined:');

    // …then fix the FILE; the host reloads it and the header of both pages says so.
    await writeFile(configPath, FIXED);
    const after = await waitUntil(
      'the host to apply the fixed config',
      () => (host.configVersion().version !== before ? host.configVersion().version : undefined),
      { timeoutMs: STEP_MS },
    );
    for (const page of [phone, desktop]) {
      await page.locator(`#config-version[data-version="${after}"]`).waitFor();
      expect(await page.locator('#config-version').textContent()).toContain(after.slice(0, 12));
    }
    await row.getByRole('button', { name: 'Replay' }).click();

    // Assess
    await phone.locator('#quarantine-result').filter({ hasText: 'Replayed:' }).waitFor();
    await row.waitFor({ state: 'detached' });
    await phone.locator('#quarantine-result').getByRole('link', { name: 'Open its timeline' }).click();
    await phone.locator('#lead-events > li[data-kind="delivered"]').waitFor();
    expect(
      inOrder(await timelineMarkers(phone), [
        'quarantined',
        'still-quarantined',
        'replayed',
        'routed',
        'delivered',
      ]),
    ).toBe(true);
    expect(await phone.locator('#lead-summary').textContent()).toContain(PARTNER_EMAIL);
    expect(await fitsWidth(phone)).toBe(true);
    await waitUntil(
      'the replayed lead in the HubSpot sandbox',
      async () =>
        (await sandboxRecords.hubspot(host.url)).contacts.find((c) => c.properties.email === PARTNER_EMAIL),
      { timeoutMs: STEP_MS },
    );
  });

  it('lists the sources of the live config, each with a webhook URL to copy', async () => {
    // Prepare
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.url });
    await openSection(phone, 'Sources');
    const row = phone.locator('#sources-list tr[data-source="form"]');

    // Act
    await row.getByRole('button', { name: 'Copy the webhook URL of form' }).click();

    // Assess
    const text = await row.textContent();
    for (const shown of [
      `${host.url}/webhooks/form`,
      'growth@e2e.example.com',
      'Demo requests from the website',
      'standard-webhooks',
      'generic',
      'Personal data',
    ])
      expect(text).toContain(shown);
    await phone.locator('#sources-status').filter({ hasText: 'Copied the webhook URL of form' }).waitFor();
    // (An expression, not a function: the tests are type-checked without the DOM's types.)
    expect(await phone.evaluate('navigator.clipboard.readText()')).toBe(`${host.url}/webhooks/form`);
    expect(await phone.locator('#sources-list tr[data-source="partners"]').count()).toBe(1);
    expect(await fitsWidth(phone)).toBe(true);
  });

  it('loads nothing from anywhere but the host, logs no error, and serves every file with the CSP', async () => {
    // Act
    const page = await fetch(host.consoleUrl);
    const script = await fetch(`${host.url}/ops/assets/app.js`);

    // Assess
    for (const watch of watches) {
      expect(watch.requests.length).toBeGreaterThan(0);
      const foreign = watch.requests.filter(
        (url) => !url.startsWith(`${host.url}/`) && !url.startsWith('data:'),
      );
      expect(foreign).toEqual([]);
      expect(watch.errors).toEqual([]);
      expect(watch.requests).toContain(`${host.url}/ops/assets/app.js`);
      expect(watch.requests).toContain(`${host.url}/ops/api/events`);
    }
    expect(page.headers.get('content-security-policy')).toBe(CSP);
    expect(script.headers.get('content-security-policy')).toBe(CSP);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\/|\sstyle=|\son[a-z]+=/i);
  });

  it('takes a screenshot of a timeline at desktop and at phone size', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'leadpipe-ops-shots-'));
    const shots = [
      // The desktop one shows the whole timeline; the phone one what a phone shows at first.
      {
        page: desktop,
        file: join(dir, 'ops-console.png'),
        docs: join(DOCS, 'ops-console.png'),
        fullPage: true,
      },
      {
        page: phone,
        file: join(dir, 'ops-console-phone.png'),
        docs: join(DOCS, 'ops-console-phone.png'),
        fullPage: false,
      },
    ];
    try {
      for (const { page, file, docs, fullPage } of shots) {
        // Act
        await use(page);
        await page.goto(`${host.consoleUrl}#lead=${leads.refused}`);
        await page.locator('#lead-events > li[data-kind="redriven"] ~ li[data-kind="delivered"]').waitFor();
        await page.screenshot({ path: file, animations: 'disabled', fullPage });

        // Assess
        expect(isPng(await readFile(file))).toBe(true);
        // Regenerated only on request, so a test run never rewrites tracked files.
        if (process.env.LEADPIPE_SCREENSHOTS === '1') {
          await copyFile(file, docs);
          expect((await stat(docs)).size).toBeLessThan(300 * 1024);
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
