import { describe, expect, it } from 'vitest';
import { readDenoConfig } from './config.ts';

describe('readDenoConfig', () => {
  it('binds loopback by default, as the Node server does; HOST opens it up', () => {
    expect(readDenoConfig({}).hostname).toBe('127.0.0.1');
    expect(readDenoConfig({ HOST: '0.0.0.0' }).hostname).toBe('0.0.0.0');
    expect(readDenoConfig({}).port).toBe(8000);
  });
});
