import { type QueryKey, useInfiniteQuery } from '@tanstack/react-query';

type Page<T> = { items: T[]; nextCursor: string | null };

/**
 * A cursor-paged list ("Load more"). Not tRPC's `infiniteQueryOptions`: it adds a `direction` field
 * to the input, which the API's strict input schemas refuse. The key stays under the procedure's path,
 * so invalidating the procedure (or its router) refetches the pages.
 */
export function useCursorPages<T>(
  queryKey: QueryKey,
  fetchPage: (cursor: string | null) => Promise<Page<T>>,
) {
  const query = useInfiniteQuery({
    queryKey,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  return { ...query, items: query.data?.pages.flatMap((p) => p.items) ?? [] };
}
