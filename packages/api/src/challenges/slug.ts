import { type Executor, schema } from '@skillbytes/db';
import { like, or, eq } from 'drizzle-orm';

const SLUG_MAX = 100;
/** Room left for a `-N` suffix when a derived slug is taken. */
const BASE_MAX = SLUG_MAX - 8;

/** `"Two Sum: Ünïcode & more!"` → `two-sum-unicode-more`. Never empty. */
export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, BASE_MAX)
    .replace(/-+$/, '');
  return slug || 'challenge';
}

/**
 * `base` if it is free, else `base-2`, `base-3`, ...: the smallest free suffix. Reads only the slugs
 * that share the base. A concurrent insert can still take the answer first; the caller retries on
 * the unique violation.
 */
export async function freeSlug(db: Executor, base: string): Promise<string> {
  const c = schema.challenges;
  // Slugs hold only [a-z0-9-], so the base needs no LIKE escaping.
  const rows = await db
    .select({ slug: c.slug })
    .from(c)
    .where(or(eq(c.slug, base), like(c.slug, `${base}-%`)));
  const taken = new Set(rows.map((r) => r.slug));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}
