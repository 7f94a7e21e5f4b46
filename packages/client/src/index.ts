export type { AppRouter } from './app-router.ts';
export { memoryTokens, type TokenPair, type TokenStore } from './bearer-tokens.ts';
export {
  type ClientOptions,
  createClient,
  type EventSourceConstructor,
  type FetchLike,
  type SkillBytesClient,
} from './create-client.ts';
export { appCodeOf, isSignedOut, isTokenExpired } from './errors.ts';
export type { RouterInputs, RouterOutputs } from './router-types.ts';
