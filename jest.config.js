const fs = require('node:fs');
const path = require('node:path');

// Unit tests run in-process against the TypeScript sources; e2e tests drive the
// packed plugin through the real `nx` CLI and the real Apptainer.
const tsJest = [
  'ts-jest',
  { tsconfig: '<rootDir>/packages/nx-peppy/tsconfig.spec.json' },
];

// execa 9 and its helpers ship only as ES modules; Jest's CommonJS runtime
// needs them transpiled, while the built plugin loads them natively.
const esmPackages = [
  'execa', '@sindresorhus/merge-streams', 'figures', 'get-stream', 'human-signals',
  'is-plain-obj', 'is-stream', 'is-unicode-supported', 'npm-run-path', 'parse-ms',
  'path-key', 'pretty-ms', 'strip-final-newline', 'unicorn-magic', 'yoctocolors',
  '@sec-ant/readable-stream',
];

function unicornMagicNodeEntry() {
  const candidates = ['packages/nx-peppy/node_modules', 'node_modules'].map((folder) =>
    path.join(__dirname, folder, 'unicorn-magic', 'node.js'),
  );
  return candidates.find((file) => fs.existsSync(file)) ?? candidates[1];
}

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  // unicorn-magic exports only an `import` condition, which Jest's resolver skips.
  moduleNameMapper: { '^unicorn-magic$': unicornMagicNodeEntry() },
  transform: {
    '^.+\\.ts$': tsJest,
    '^.+\\.m?js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', esModuleInterop: true, isolatedModules: true } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
};

module.exports = {
  // Jest 30 reads testTimeout only at the top level; e2e tests drive real builds.
  testTimeout: 15 * 60 * 1000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/packages/nx-peppy/src/**/*.spec.ts'],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/e2e/tests/**/*.spec.ts'],
      globalSetup: '<rootDir>/e2e/support/global-setup.ts',
    },
  ],
};
