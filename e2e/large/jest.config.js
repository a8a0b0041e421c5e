// Config of the large-image test: the e2e project of the root config (same
// transform and global setup, which packs the plugin), pointed at e2e/large
// only. The test is slow and writes several GiB under the temp folder, so
// `npm run test:e2e` leaves it out. Run it with
// `npx jest -c e2e/large/jest.config.js --runInBand`.
const root = require('../../jest.config.js');

const e2e = root.projects.find((project) => project.displayName === 'e2e');
if (!e2e) throw new Error('jest.config.js has no project named e2e');

module.exports = {
  ...e2e,
  displayName: 'e2e-large',
  testMatch: ['<rootDir>/e2e/large/**/*.spec.ts'],
  testTimeout: 30 * 60 * 1000,
};
