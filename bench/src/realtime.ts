import { trpc } from './load.ts';
import type { ServerProcess } from './processes.ts';
import { median, percentile, round } from './results.ts';

export type DeliveryResult = {
  /** Where the subscriber listened and where the message was sent. */
  subscriberOn: string;
  sentThrough: string;
  sent: number;
  delivered: number;
  /** Milliseconds from just before `inbox.send` to the SSE event on the subscriber. */
  latencyMs: { p50: number; p99: number; max: number };
};

/** The server-sent events of a response, read with fetch (Node 20 has no EventSource). */
async function* serverSentEvents(res: Response): AsyncGenerator<{ event: string; data: string }> {
  let buffer = '';
  for await (const chunk of res.body!.pipeThrough(new TextDecoderStream())) {
    const blocks = (buffer + chunk).split('\n\n');
    buffer = blocks.pop() ?? '';
    for (const block of blocks) {
      const lines = block.split('\n');
      const field = (name: string) =>
        lines
          .find((l) => l.startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trim();
      yield { event: field('event') ?? 'message', data: field('data') ?? '' };
    }
  }
}

/**
 * Opens `inbox.onMessage` over SSE on `subscriberOn` as `subscriber` (Bearer header), sends `count`
 * direct messages to that user through `sender` with an admin token, one after another, and times
 * each delivery. Each wait is bounded (5 s).
 */
export async function measureDelivery(opts: {
  subscriberOn: ServerProcess;
  sender: ServerProcess;
  subscriber: { userId: string; token: string };
  adminToken: string;
  count: number;
}): Promise<DeliveryResult> {
  const waiting = new Map<string, (at: number) => void>();
  const done = new AbortController();
  const latencies: number[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('SSE subscription did not open within 10 s')), 10_000);
      (async () => {
        const res = await fetch(`${opts.subscriberOn.url}/trpc/inbox.onMessage`, {
          headers: { authorization: `Bearer ${opts.subscriber.token}`, accept: 'text/event-stream' },
          signal: done.signal,
        });
        for await (const { event, data } of serverSentEvents(res)) {
          const at = performance.now();
          // tRPC sends `connected` once the subscription is set up on the server.
          if (event === 'connected') {
            clearTimeout(timer);
            resolve();
          }
          const content = event === 'message' ? JSON.parse(data)?.json?.content : undefined;
          if (typeof content === 'string') waiting.get(content)?.(at);
        }
      })().catch(() => {}); // ends with an AbortError once `done` aborts
    });
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
    done.abort();
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    subscriberOn: opts.subscriberOn.label,
    sentThrough: opts.sender.label,
    sent: opts.count,
    delivered: latencies.length,
    latencyMs: {
      p50: round(median(latencies), 2),
      p99: round(percentile(sorted, 99), 2),
      max: round(sorted.at(-1) ?? Number.NaN, 2),
    },
  };
}
