import type { ChallengeCore, SequenceTest } from '@skillbytes/shared';
import type { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainError } from '../src/errors.ts';
import { addChallenge, publishedForNewUser } from './challenges-fixtures.ts';
import { createTestApi, type TestApi } from './helpers.ts';
import { expectTrpcError } from './trpc-errors.ts';

/**
 * A challenge may ask for a class: each test is a sequence of steps on one instance (construct, call
 * methods, read properties, iterate), each step with an expected value or throw. Through tRPC callers
 * on a real database: authoring checks, then run and submit as a user.
 */
let api: TestApi;
let admin: Awaited<ReturnType<TestApi['createUser']>>;
beforeAll(async () => {
  api = await createTestApi();
  admin = await api.createUser({ role: 'admin' });
});
afterAll(() => api?.close());

const ACCOUNT = `class Account {
  #balance;
  constructor(opening = 0) {
    if (opening < 0) throw new RangeError('opening balance must not be negative');
    this.#balance = opening;
  }
  get balance() { return this.#balance; }
  deposit(amount) {
    if (!(amount > 0)) throw new RangeError('deposit must be positive');
    this.#balance += amount;
    return this.#balance;
  }
  withdraw(amount) {
    if (amount > this.#balance) throw new RangeError('insufficient funds');
    this.#balance -= amount;
    return this.#balance;
  }
  *[Symbol.iterator]() { yield this.#balance; }
}`;

/** What authoring refused, as the client reads it in `details.problems`. */
const problemsOf = (error: TRPCError) =>
  (((error.cause as DomainError).details?.problems ?? []) as string[]).join('\n');

const steps = (...s: SequenceTest['steps']): SequenceTest => ({ steps: s });

/** A bank account: deposits, withdrawals that may be refused, a balance property. */
function accountChallenge(overrides: Partial<ChallengeCore> = {}): ChallengeCore {
  return addChallenge({
    title: 'Bank account',
    summary: 'A bank account with deposits and withdrawals.',
    description: 'Write `class Account`.',
    functionName: 'Account',
    starterCode: 'class Account {}\n',
    tests: [
      steps(
        { new: [10] },
        { call: 'deposit', args: [5], expectedOutput: 15 },
        { get: 'balance', expectedOutput: 15 },
      ),
      steps(
        { new: [] },
        {
          call: 'withdraw',
          args: [1],
          expectedError: { name: 'RangeError', messagePattern: 'insufficient' },
        },
        { get: 'balance', expectedOutput: 0 },
      ),
      steps({ new: [-1], expectedError: { name: 'RangeError' } }),
    ],
    hiddenTests: [
      steps(
        { new: [100] },
        { call: 'withdraw', args: [30], expectedOutput: 70 },
        { call: 'deposit', args: [0], expectedError: { name: 'RangeError' } },
        { call: 'deposit', args: [2.5] },
        { get: 'balance', expectedOutput: 72.5 },
        { iterate: true, expectedOutput: [72.5] },
      ),
      steps({ new: [7] }, { call: 'withdraw', args: [7], expectedOutput: 0 }),
      steps({ new: [3] }, { call: 'withdraw', args: [4], expectedError: { name: 'RangeError' } }),
    ],
    generator: undefined,
    solution: ACCOUNT,
    ...overrides,
  });
}

/** Creates and publishes a challenge, and a user who may run and submit it (verdicts in full). */
async function assigned(challenge: ChallengeCore) {
  const { created, caller } = await publishedForNewUser(api, admin, challenge);
  return {
    created,
    submit: (code: string) => caller.challenges.submit({ challengeId: created.id, code }),
    run: (code: string) => caller.challenges.run({ challengeId: created.id, code }),
  };
}

describe('class challenges', () => {
  it('accepts a right class on every step, visible and hidden', async () => {
    const { submit, created } = await assigned(accountChallenge());
    expect(created.tests).toHaveLength(3);
    const { verdict } = await submit(ACCOUNT);
    expect(verdict).toMatchObject({ status: 'accepted', passed: 3, total: 3, hidden: 'passed' });
  });

  it('takes a class exported from a module, and a constructor function', async () => {
    const { submit } = await assigned(accountChallenge());
    expect((await submit(`export ${ACCOUNT}`)).verdict.status).toBe('accepted');
    const oldStyle = `function Account(opening = 0) {
      if (opening < 0) throw new RangeError('negative');
      let balance = opening;
      Object.defineProperty(this, 'balance', { get: () => balance });
      this.deposit = (a) => { if (!(a > 0)) throw new RangeError('positive'); return (balance += a); };
      this.withdraw = (a) => { if (a > balance) throw new RangeError('insufficient funds'); return (balance -= a); };
      this[Symbol.iterator] = function* () { yield balance; };
    }`;
    expect((await submit(oldStyle)).verdict.status).toBe('accepted');
  });

  it('names the failing step of a visible test and shows the steps up to it', async () => {
    const { run } = await assigned(accountChallenge());
    // Withdrawals never refused: the second test's second step does not throw.
    const lax = ACCOUNT.replace(
      "if (amount > this.#balance) throw new RangeError('insufficient funds');",
      '',
    );
    const { verdict } = await run(lax);
    expect(verdict).toMatchObject({
      status: 'wrong_answer',
      passed: 2,
      total: 3,
      firstFailure: {
        kind: 'visible',
        index: 1,
        step: 1,
        input: { steps: [{ new: [] }, { call: 'withdraw', args: [1] }] },
        expected: { throws: { name: 'RangeError', messagePattern: 'insufficient' } },
        actual: -1,
      },
    });
  });

  it('refuses wrong classes: a wrong value, a missing method, a wrong error, a missing class', async () => {
    const { submit, run } = await assigned(accountChallenge());
    const wrongSum = ACCOUNT.replace('this.#balance += amount;', 'this.#balance += amount + 1;');
    expect((await run(wrongSum)).verdict).toMatchObject({ status: 'wrong_answer', passed: 2 });
    const noDeposit = ACCOUNT.replace('deposit(amount) {', 'put(amount) {');
    const missing = (await run(noDeposit)).verdict;
    expect(missing).toMatchObject({ status: 'runtime_error', firstFailure: { index: 0, step: 1 } });
    expect(missing.firstFailure?.error?.message).toMatch(/no method deposit/);
    const plainError = ACCOUNT.replaceAll('new RangeError', 'new Error');
    expect((await run(plainError)).verdict).toMatchObject({ status: 'wrong_answer', passed: 1 });
    // Right on the visible tests, wrong only on a hidden one (deposits of 0 accepted).
    const zeroOk = ACCOUNT.replace('if (!(amount > 0))', 'if (amount < 0)');
    expect((await submit(zeroOk)).verdict).toMatchObject({
      status: 'wrong_answer',
      passed: 3,
      hidden: 'failed',
    });
    expect((await run('function add() {}')).verdict).toMatchObject({
      status: 'missing_function',
      message: 'Define a class named Account',
    });
    expect((await run('const Account = () => ({});')).verdict).toMatchObject({
      status: 'runtime_error',
      firstFailure: { index: 0, step: 0 },
    });
  });

  it('awaits async methods, and a step that loops forever is a time limit of its test', async () => {
    const asyncAccount = ACCOUNT.replace('deposit(amount) {', 'async deposit(amount) {');
    const { submit, run } = await assigned(accountChallenge());
    // An async deposit still resolves to the balance; its refusal becomes a rejection, which still counts as a throw.
    expect((await submit(asyncAccount)).verdict.status).toBe('accepted');
    const spins = ACCOUNT.replace('get balance() {', 'get balance() { for (;;) {}');
    expect((await run(spins)).verdict).toMatchObject({
      status: 'time_limit_exceeded',
      firstFailure: { kind: 'visible', index: 0, step: 2, limit: { scope: 'test' } },
    });
  });

  it('keeps each test to its own instance', async () => {
    const shared = `let shared = 0;
      class Account { constructor(o = 0) { if (o < 0) throw new RangeError('x'); shared += o; }
        get balance() { return shared; } deposit(a) { shared += a; return shared; }
        withdraw(a) { if (a > shared) throw new RangeError('insufficient'); shared -= a; return shared; } }`;
    const { submit } = await assigned(accountChallenge());
    expect((await submit(shared)).verdict.status).toBe('wrong_answer');
  });
});

describe('authoring class challenges', () => {
  const create = (challenge: ChallengeCore) => api.as(admin).challenges.create({ challenge });

  it('refuses a reference class that disagrees with a step, naming the test and the step', async () => {
    const challenge = accountChallenge();
    const [first, ...rest] = challenge.tests as SequenceTest[];
    const contradicting = steps(...first!.steps.slice(0, 2), { get: 'balance', expectedOutput: 16 });
    const error = await expectTrpcError(
      create({ ...challenge, tests: [contradicting, ...rest] }),
      'BAD_REQUEST',
      'CHALLENGE_INVALID',
    );
    expect(problemsOf(error)).toMatch(/visible test 1, step 3: wrong answer/);
  });

  it('refuses a class challenge a memorising instance passes: hidden tests that replay the visible ones', async () => {
    const challenge = accountChallenge();
    const error = await expectTrpcError(
      create({ ...challenge, hiddenTests: challenge.tests }),
      'BAD_REQUEST',
      'CHALLENGE_INVALID',
    );
    expect(problemsOf(error)).toMatch(/only memorises the visible tests/);
  });

  it('refuses a mix of call and class tests, and a generator on a class challenge', async () => {
    const challenge = accountChallenge();
    const mixed = await expectTrpcError(
      create({ ...challenge, hiddenTests: [{ input: [1], expectedOutput: 1 }] }),
      'BAD_REQUEST',
      'CHALLENGE_INVALID',
    );
    expect(problemsOf(mixed)).toMatch(/Mixed tests/);
    const generated = await expectTrpcError(
      create({ ...challenge, generator: addChallenge().generator }),
      'BAD_REQUEST',
      'CHALLENGE_INVALID',
    );
    expect(problemsOf(generated)).toMatch(/no generator/);
  });

  it('refuses malformed steps before judging', async () => {
    const challenge = accountChallenge();
    const bad: unknown[] = [
      { steps: [{ call: 'deposit', args: [1], expectedOutput: 1 }] }, // no construction first
      { steps: [{ new: [] }, { new: [], expectedOutput: 1 }] }, // two constructions
      { steps: [{ new: [] }, { call: 'deposit', get: 'balance', expectedOutput: 1 }] }, // two actions
      { steps: [{ new: [] }, { get: 'balance', args: [1], expectedOutput: 1 }] }, // args on a get
      { steps: [{ new: [] }, { call: 'deposit', args: [1] }] }, // expects nothing
      {
        steps: [
          { new: [-1], expectedError: {} },
          { get: 'balance', expectedOutput: 0 },
        ],
      }, // nothing to step on
      { steps: [{ new: [] }, { get: 'x\u0000', expectedOutput: 0 }] }, // unstorable name
      {
        steps: Array.from({ length: 101 }, (_, i) =>
          i === 0 ? { new: [] } : { get: 'balance', expectedOutput: 0 },
        ),
      },
    ];
    for (const test of bad) {
      await expectTrpcError(
        create({ ...challenge, tests: [test as SequenceTest] }),
        'BAD_REQUEST',
        'VALIDATION_FAILED',
      );
    }
  });
});
