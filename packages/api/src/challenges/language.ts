import { Language } from '@skillbytes/shared';
import { DomainError } from '../errors.ts';

/**
 * A language read from the database as the judge takes it. Stored languages are text: one the judge
 * does not know (the API writes none) reads as JavaScript, the language every challenge could always run.
 */
export function storedLanguage(stored: string): Language {
  return Language.safeParse(stored).data ?? 'javascript';
}

/**
 * The language a solution is judged in: the one the request names, which the challenge must accept
 * (else LANGUAGE_NOT_ACCEPTED, thrown before any judge budget is spent); without one, the user's own
 * `language` when the challenge accepts it, else the challenge's own (its starter code's).
 */
export function solutionLanguage(
  asked: Language | undefined,
  challenge: { language: string; languages: string[]; preferredLanguage: string | null },
): Language {
  const { languages } = challenge;
  if (asked !== undefined) {
    if (languages.includes(asked)) return asked;
    throw new DomainError(
      'LANGUAGE_NOT_ACCEPTED',
      `This challenge takes solutions in ${languages.join(' or ')}, not ${asked}`,
      { accepted: languages },
    );
  }
  const preferred = Language.safeParse(challenge.preferredLanguage);
  if (preferred.success && languages.includes(preferred.data)) return preferred.data;
  return storedLanguage(challenge.language);
}
