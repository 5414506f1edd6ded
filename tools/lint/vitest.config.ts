import { defineProject } from 'vitest/config';

// The lint configuration's own tests: the dependency-direction rule fires on imports that break it.
export default defineProject({
  test: { name: 'lint', include: ['*.test.ts'], environment: 'node', testTimeout: 60_000 },
});
