#!/usr/bin/env node
// The leadpipe command line. cli/program.ts lists every command; cli/commands/ holds them.
import { runCli } from './program.ts';
import { processTerminal } from './terminal.ts';

async function main(): Promise<number> {
  try {
    return await runCli(process.argv.slice(2), {
      terminal: processTerminal(),
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      cwd: process.cwd(),
      dotEnv: true,
    });
  } catch (error) {
    // Loaded only on failure: what it knows about pulls in the embedded database and the config loader.
    const { failureReport } = await import('./failure.ts');
    const report = failureReport(error, process.env);
    if (report.text) process.stderr.write(`${report.text}\n`);
    return report.code;
  }
}

// `leadpipe leads list | head`: the reader has gone, so stop quietly, as other command-line tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit();
});

process.exitCode = await main();
