/**
 * What to tell the user about a failed call: the server's message, which is written for people. An
 * input the server's schema refused carries its issues as JSON in the message: show their messages.
 */
export function errorMessage(error: unknown): string {
  if (!error || typeof error !== 'object' || !('message' in error) || typeof error.message !== 'string') {
    return 'Something went wrong. Try again.';
  }
  const { message } = error;
  if (message.startsWith('[')) {
    try {
      const issues = JSON.parse(message) as { message?: string; path?: unknown[] }[];
      const lines = issues.map((i) => [i.path?.join('.'), i.message].filter(Boolean).join(': '));
      if (lines.length > 0) return lines.join('; ');
    } catch {}
  }
  return message;
}

/** The `data.appCode` of a tRPC error (`EMAIL_TAKEN`, `TOKEN_EXPIRED`, ...), if it has one. */
export function appCodeOf(error: unknown): string | undefined {
  if (!error || typeof error !== 'object' || !('data' in error)) return undefined;
  const data = error.data as { appCode?: unknown } | null | undefined;
  return typeof data?.appCode === 'string' ? data.appCode : undefined;
}
