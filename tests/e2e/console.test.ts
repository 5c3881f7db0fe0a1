import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  Cluster,
  ClusterClient,
  type ClusterConfig,
  LeastConnections,
  localClusterConfig,
  ManagementServer,
  WorkerRegistry,
} from 'rpcnet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChromiumLaunch, launchChromium, loudBanner } from '../fixtures/browser/chromium.js';
import { GossipFirewall } from '../fixtures/faults/gossip-firewall.js';

/** Where the console screenshots go (CI keeps the folder as an artifact). */
const ARTIFACTS =
  process.env.RPCNET_TEST_ARTIFACTS ?? join(import.meta.dirname, '..', '.artifacts');
const TOKEN = 'console-test-token-0123456789';

const launch: ChromiumLaunch = await launchChromium();

describe('web console: headless Chromium', () => {
  it('can start a browser here (fails in CI, says so loudly elsewhere)', async () => {
    if (launch.browser === undefined) {
      console.warn(loudBanner(`WEB CONSOLE BROWSER TEST SKIPPED: ${launch.reason}`));
      // Where the suite must run, a missing browser is a failure, not a skip.
      expect(process.env.CI === 'true', `CI=true but Chromium cannot start: ${launch.reason}`).toBe(
        false,
      );
      expect(launch.reason).not.toBe('');
    } else {
      console.log(`web console test uses ${launch.executable} (${launch.browser.version()})`);
      expect(launch.browser.isConnected()).toBe(true);
    }
  });
});

describe.skipIf(launch.browser === undefined)('web console over a live 4-member cluster', () => {
  const browser = launch.browser as Browser;
  const members = new Map<string, Cluster>();
  const firewall = new GossipFirewall();
  let registry: WorkerRegistry;
  let client: ClusterClient;
  let management: ManagementServer;
  let page: Page;

  async function member(label: string, config: Partial<ClusterConfig> = {}): Promise<Cluster> {
    const role = label === 'director' ? 'director' : 'worker';
    const seed = members.get('director')?.localNode().gossipAddress;
    const cluster = await Cluster.create(
      localClusterConfig({
        gossipPort: 0,
        seedNodes: seed === undefined ? [] : [seed],
        rpcAddress: role === 'worker' ? `127.0.0.1:${9000 + members.size}` : undefined,
        tags: { role, label },
        ...config,
      }),
      { openTransport: firewall.openTransport },
    );
    if (seed !== undefined) await cluster.join();
    members.set(label, cluster);
    return cluster;
  }

  const row = (label: string) => page.locator(`#members tr[data-label="${label}"]`);

  beforeAll(async () => {
    const director = await member('director');
    for (const label of ['worker-1', 'worker-2', 'worker-3']) await member(label);
    registry = new WorkerRegistry(director, new LeastConnections(), {
      workerFilter: { role: 'worker' },
    });
    registry.start();
    client = new ClusterClient(registry);
    management = await ManagementServer.start({
      cluster: director,
      registry,
      client,
      token: TOKEN,
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${management.url}#token=${TOKEN}`);
  });

  afterAll(async () => {
    await page?.close();
    await browser.close();
    await management?.stop();
    await client?.close();
    registry?.stop();
    for (const cluster of members.values()) await cluster.stop();
  });

  it('lists the members with their states, workers and the live event feed', async () => {
    for (const label of ['director', 'worker-1', 'worker-2', 'worker-3']) {
      await expect
        .poll(() => row(label).getAttribute('data-state'), { timeout: 15_000 })
        .toBe('alive');
    }
    await expect.poll(() => page.locator('#workers tr[data-worker-id]').count()).toBe(3);
    await expect.poll(() => page.locator('#live-text').textContent()).toBe('live');
    await expect
      .poll(() => row('worker-1').locator('svg.spark polyline').count(), { timeout: 10_000 })
      .toBe(1);
    expect(await page.locator('#error').isVisible()).toBe(false);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'console-cluster.png'), fullPage: true });
  });

  it("shows a killed member's suspicion and failure as the console's node saw them, and alive again after its restart", async () => {
    const victim = members.get('worker-2');
    if (victim === undefined) throw new Error('worker-2 missing');
    const { id, gossipAddress } = victim.localNode();
    // What the console's own node saw of the victim: it may hear the failure before any
    // suspicion (another member suspected and declared it before that news reached this one).
    const seen: string[] = [];
    const unsubscribe = members.get('director')?.onEvent((event) => {
      if ('node' in event && event.node.id === id) seen.push(event.type);
    });
    await victim.stop(); // a crash: no leave message
    await expect
      .poll(() => row('worker-2').getAttribute('data-state'), { timeout: 30_000 })
      .toBe('dead');
    unsubscribe?.();
    // The suspect phase can be shorter than one poll of the row: the event feed keeps it.
    // Newest first, so a suspicion sits below the failure.
    const feed = async () =>
      page
        .locator('#events li')
        .evaluateAll((items) =>
          items.map((item) => `${item.getAttribute('data-type')} ${item.textContent ?? ''}`),
        );
    await expect
      .poll(async () => (await feed()).some((line) => /^NodeFailed .*worker-2/.test(line)), {
        timeout: 5_000,
      })
      .toBe(true);
    const lines = await feed();
    const failedAt = lines.findIndex((line) => /^NodeFailed .*worker-2/.test(line));
    const suspectedAt = lines.findIndex((line) => /^NodeSuspected .*worker-2/.test(line));
    const context = `node saw ${seen.join(', ')}; page feed:\n${lines.join('\n')}`;
    expect(seen.at(-1), context).toBe('NodeFailed');
    if (seen.includes('NodeSuspected')) expect(suspectedAt, context).toBeGreaterThan(failedAt);
    else expect(suspectedAt, context).toBe(-1);
    expect(await page.locator('#workers tr[data-worker-id]').count()).toBe(2);
    await page.screenshot({ path: join(ARTIFACTS, 'console-member-failed.png'), fullPage: true });

    // The same node restarts on its address and rejoins.
    const port = Number(gossipAddress.split(':')[1]);
    await member('worker-2', { nodeId: id, gossipPort: port });
    await expect
      .poll(() => row('worker-2').getAttribute('data-state'), { timeout: 30_000 })
      .toBe('alive');
    await expect
      .poll(() => page.locator('#workers tr[data-worker-id]').count(), { timeout: 10_000 })
      .toBe(3);
    await page.screenshot({ path: join(ARTIFACTS, 'console-member-back.png'), fullPage: true });
  });

  it('shows a partition while gossip between two halves is cut, and clears it once healed', async () => {
    const gossip = (labels: string[]) =>
      labels.map((label) => members.get(label)?.localNode().gossipAddress ?? '');
    for (const label of ['worker-1', 'worker-2', 'worker-3']) {
      await expect
        .poll(() => row(label).getAttribute('data-state'), { timeout: 30_000 })
        .toBe('alive');
    }
    const banner = page.locator('#partition');
    expect(await banner.isVisible()).toBe(false);
    firewall.cut(gossip(['director', 'worker-1']), gossip(['worker-2', 'worker-3']));
    await expect.poll(() => banner.isVisible(), { timeout: 45_000 }).toBe(true);
    const text = (await banner.textContent()) ?? '';
    expect(text).toMatch(/^Partition detected at/);
    expect(text).toMatch(/Unreachable: .*worker-2/);
    expect(text).toMatch(/Unreachable: .*worker-3/);
    expect(text).toMatch(/Reachable: .*worker-1/);
    expect(await page.locator('#events li[data-type="PartitionDetected"]').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'console-partition.png'), fullPage: true });

    firewall.heal();
    await expect.poll(() => banner.isVisible(), { timeout: 60_000 }).toBe(false);
    for (const label of ['worker-2', 'worker-3']) {
      await expect
        .poll(() => row(label).getAttribute('data-state'), { timeout: 30_000 })
        .toBe('alive');
    }
    expect(await page.locator('#events li[data-type="PartitionHealed"]').count()).toBe(1);
  });

  it('tells the operator when the token is missing', async () => {
    const other = await browser.newPage();
    await other.goto(management.url);
    await expect
      .poll(() => other.locator('#error').textContent(), { timeout: 5_000 })
      .toMatch(/401.*token/);
    await other.close();
  });
});
