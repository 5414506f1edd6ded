// Shared vitest project settings: every package and app resolves its siblings from src/ through the
// "@kube-vip-gw/source" export condition, so tests never need a prior build.
import { defaultServerConditions } from 'vite';
import { defineProject, type TestProjectInlineConfiguration } from 'vitest/config';

/** The export condition that maps a workspace package to its TypeScript sources. */
export const SOURCE_CONDITION = '@kube-vip-gw/source';

const conditions = [SOURCE_CONDITION, ...defaultServerConditions];

/** Resolution settings that make vitest load sibling packages from source. */
export const sourceResolve = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: [SOURCE_CONDITION] } },
};

/** A unit-test project: co-located `src/**\/*.test.ts` files of one package or app. */
export function unitProject(name: string): TestProjectInlineConfiguration {
  return defineProject({
    ...sourceResolve,
    test: {
      name,
      include: ['src/**/*.test.ts'],
      environment: 'node',
      restoreMocks: true,
    },
  }) as TestProjectInlineConfiguration;
}
