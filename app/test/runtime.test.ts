import { describe, expect, it } from 'vitest';

describe('runtime', () => {
  it('runs the tests on Node.js 24, the project runtime (not the machine Node)', () => {
    expect(process.versions.node.split('.')[0]).toBe('24');
  });
});
