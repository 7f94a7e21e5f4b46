import { loadEventSource } from './borrowed.ts';
import { trpc } from './load.ts';
import type { ServerProcess } from './processes.ts';
import { median } from './results.ts';

export type DeliveryResult = {
  /** Where the subscriber listened and where the message was sent. */
  subscriberOn: string;
  sentThrough: string;
  sent: number;
  delivered: number;
  /** Milliseconds from just before `inbox.send` to the SSE event on the subscriber. */
  latencyMs: { p50: number; p99: number; max: number };
};

/**
 * Opens `inbox.onMessage` over SSE on `subscriberOn` as `subscriber` (Bearer header through the
 * EventSource ponyfill's fetch), sends `count` direct messages to that user through `sender` with an
 * admin token, one after another, and times each delivery. Each wait is bounded (5 s).
 */
export async function measureDelivery(opts: {
  subscriberOn: ServerProcess;
  sender: ServerProcess;
  subscriber: { userId: string; token: string };
  adminToken: string;
  count: number;
}): Promise<DeliveryResult> {
  const EventSource = await loadEventSource();
  const waiting = new Map<string, (at: number) => void>();
  const token = opts.subscriber.token;
  const url = `${opts.subscriberOn.url}/trpc/inbox.onMessage`;
  const source = new EventSource(url, {
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${token}` },
      }),
  });
  const opened = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('SSE subscription did not open within 10 s')), 10_000);
    // tRPC sends a `connected` event once the subscription is set up on the server.
    source.addEventListener('connected', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  source.onmessage = (event) => {
    const at = performance.now();
    try {
      const item = (JSON.parse(event.data) as { json?: { content?: string } }).json;
      const done = item?.content ? waiting.get(item.content) : undefined;
      done?.(at);
    } catch {}
  };
  const latencies: number[] = [];
  try {
    await opened;
    for (let k = 0; k < opts.count; k++) {
      const content = `bench delivery ${process.pid}-${Date.now()}-${k}`;
      const arrived = new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), 5_000);
        waiting.set(content, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });
      const started = performance.now();
      const r = await trpc(opts.sender.url, 'inbox.send', {
        method: 'POST',
        token: opts.adminToken,
        input: { content, to: { userId: opts.subscriber.userId } },
      });
      if (r.status !== 200)
        throw new Error(`inbox.send failed: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      const at = await arrived;
      waiting.delete(content);
      if (at !== null) latencies.push(at - started);
    }
  } finally {
    source.close();
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    subscriberOn: opts.subscriberOn.label,
    sentThrough: opts.sender.label,
    sent: opts.count,
    delivered: latencies.length,
    latencyMs: {
      p50: round2(median(latencies)),
      p99: round2(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? Number.NaN),
      max: round2(sorted.at(-1) ?? Number.NaN),
    },
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
