export * from './audit.ts';
export * from './challenges.ts';
export * from './groups.ts';
export * from './inbox.ts';
export * from './sessions.ts';
export * from './users.ts';
export * from './achievements.ts';
export * from './mfa.ts';
