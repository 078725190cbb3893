// Runs before `npm start` and `npm test`: leadpipe needs Node 24, which the project's own
// install brings (the `node` devDependency puts it first on the PATH of every npm script).
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `leadpipe needs Node.js 24 or later, but this script ran on Node ${process.versions.node}.\n` +
      'Run `npm ci` (without --ignore-scripts) so the project installs its own Node 24, then try again.',
  );
  process.exit(1);
}
