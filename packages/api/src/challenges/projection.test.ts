import { describe, expectTypeOf, it } from 'vitest';
import type { RouterInputs, RouterOutputs } from '../index.ts';
import type { PublicChallenge } from './projection.ts';

type Daily = RouterOutputs['challenges']['daily'];
type ById = RouterOutputs['challenges']['byId'];

describe('what a React app gets from challenges.*', () => {
  it('daily and byId carry the public projection, which has no hidden tests, generator or solution', () => {
    expectTypeOf<Daily['challenge']>().toEqualTypeOf<PublicChallenge>();
    expectTypeOf<ById['challenge']>().toEqualTypeOf<PublicChallenge>();
    expectTypeOf<PublicChallenge>().not.toHaveProperty('hiddenTests');
    expectTypeOf<PublicChallenge>().not.toHaveProperty('generator');
    expectTypeOf<PublicChallenge>().not.toHaveProperty('solution');
    expectTypeOf<Daily>().toHaveProperty('completed').toEqualTypeOf<boolean>();
    expectTypeOf<Daily['challenge']['publishedAt']>().toEqualTypeOf<Date | null>();
  });

  it('submit answers the verdict, the submission id, the points paid and the streak', () => {
    type Submit = RouterOutputs['challenges']['submit'];
    expectTypeOf<Submit['awarded']>().toEqualTypeOf<number>();
    expectTypeOf<Submit['firstCompletion']>().toEqualTypeOf<boolean>();
    expectTypeOf<Submit['streak']>().toEqualTypeOf<{ current: number; best: number }>();
    expectTypeOf<Submit['verdict']['status']>().toEqualTypeOf<
      | 'accepted'
      | 'wrong_answer'
      | 'runtime_error'
      | 'time_limit_exceeded'
      | 'memory_limit_exceeded'
      | 'compile_error'
      | 'missing_function'
    >();
  });

  it('a solution may name its language; a challenge lists the ones it takes; a submission says which it was', () => {
    type Language = 'javascript' | 'typescript';
    expectTypeOf<RouterInputs['challenges']['submit']['language']>().toEqualTypeOf<Language | undefined>();
    expectTypeOf<RouterInputs['challenges']['run']['language']>().toEqualTypeOf<Language | undefined>();
    expectTypeOf<Daily['challenge']['languages']>().toEqualTypeOf<string[]>();
    type Submission = RouterOutputs['challenges']['submissions']['items'][number];
    expectTypeOf<Submission['language']>().toEqualTypeOf<Language>();
  });

  it('paged queries take an optional input and return a cursor', () => {
    type CompletedIn = RouterInputs['challenges']['completed'];
    expectTypeOf<undefined>().toExtend<CompletedIn>();
    expectTypeOf<Exclude<CompletedIn, void>>().toEqualTypeOf<{
      cursor?: string | null | undefined;
      direction?: 'forward' | undefined;
      limit?: number | undefined;
    }>();
    expectTypeOf<RouterOutputs['challenges']['submissions']['nextCursor']>().toEqualTypeOf<string | null>();
    expectTypeOf<RouterOutputs['challenges']['topics']>().toEqualTypeOf<{ tag: string; count: number }[]>();
  });
});
