import type { LeaderboardEntry, LeaderboardWindow, Page } from '@skillbytes/shared';
import type { EventBus } from '../events/bus.ts';

type TopPage = Page<LeaderboardEntry> & { window: LeaderboardWindow };
type Held = { readAt: number; page: Promise<TopPage> };
type Pages = { held: Map<string, Held>; generation: number };

const caches = new WeakMap<EventBus, Pages>();

/**
 * The first page of a board is the same for every caller and the most read: this process keeps it
 * for at most `ttlMs` and shares one read between concurrent callers. Any `points.changed` event
 * (from any process, through the event bus) drops every held page, and so does a payment made by
 * this process at once (`dropFirstPages` after its commit), so a user who just scored sees it on the
 * next read. What no event announces (a renamed or deleted account) shows within `ttlMs`. Pages
 * after a cursor are never held: their keys are the caller's to choose.
 */
export function firstPage(
  bus: EventBus,
  ttlMs: number,
  key: string,
  read: () => Promise<TopPage>,
): Promise<TopPage> {
  if (ttlMs <= 0) return read();
  const pages = pagesOf(bus);
  const now = performance.now();
  const held = pages.held.get(key);
  if (held && now - held.readAt < ttlMs) return held.page;
  const generation = pages.generation;
  const page = read();
  pages.held.set(key, { readAt: now, page });
  page.catch(() => {
    if (pages.generation === generation && pages.held.get(key)?.page === page) pages.held.delete(key);
  });
  return page;
}

/** Drops every first page this process holds (after a commit that paid points). */
export function dropFirstPages(bus: EventBus): void {
  const pages = caches.get(bus);
  if (!pages) return;
  pages.generation++;
  pages.held.clear();
}

function pagesOf(bus: EventBus): Pages {
  let pages = caches.get(bus);
  if (!pages) {
    const created: Pages = { held: new Map(), generation: 0 };
    bus.subscribe((event) => {
      if (event.type === 'points.changed') dropFirstPages(bus);
    });
    caches.set(bus, created);
    pages = created;
  }
  return pages;
}
