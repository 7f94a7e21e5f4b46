import { describe, expect, it } from 'vitest';
import { API_DEFAULTS, defaultApiConfig } from './config.ts';

describe('defaultApiConfig', () => {
  it('holds no signing or encryption key unless the caller names one', () => {
    expect(defaultApiConfig()).not.toHaveProperty('jwtKeys');
    expect(API_DEFAULTS).not.toHaveProperty('jwtKeys');
    expect(defaultApiConfig()).not.toHaveProperty('mfaEncryptionKey');
    expect(API_DEFAULTS).not.toHaveProperty('mfaEncryptionKey');
    const jwtKeys = [{ kid: 'k', secret: new Uint8Array(32) }];
    const mfaEncryptionKey = new Uint8Array(32);
    const config = defaultApiConfig({ jwtKeys, mfaEncryptionKey });
    expect(config.jwtKeys).toBe(jwtKeys);
    expect(config.mfaEncryptionKey).toBe(mfaEncryptionKey);
  });

  it('is the API defaults with one judge worker and no response quantum, a fresh copy each time', () => {
    const config = defaultApiConfig();
    expect(config).toEqual({
      ...API_DEFAULTS,
      judge: { ...API_DEFAULTS.judge, workers: 1, submitQuantumMs: 0 },
    });
    config.corsOrigins.push('https://changed.example');
    expect(API_DEFAULTS.corsOrigins).toEqual([]);
  });
});
