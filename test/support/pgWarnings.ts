import { afterEach } from 'vitest';

/**
 * A test fails when pg warns that it was sent a query while its connection was running another
 * (a transaction's queries sent side by side): pg queues it today and will refuse it from pg@9.
 * pg warns once per load of its module, so the test that first does it is the one that fails.
 * One listener per process, however many test files the process runs.
 */
const KEY = Symbol.for('ecpa.test.pgQueuedQueryWarnings');
const store = globalThis as unknown as { [KEY]?: Error[] };
const warnings = (store[KEY] ??= listen());

function listen(): Error[] {
  const found: Error[] = [];
  process.on('warning', (warning) => {
    if (warning.name === 'DeprecationWarning' && /client\.query\(\) when the client is already executing a query/.test(warning.message)) found.push(warning);
  });
  return found;
}

afterEach(async () => {
  // Warnings are emitted on the next tick after the call that caused them.
  await new Promise((resolve) => setImmediate(resolve));
  const found = warnings.splice(0);
  if (found.length) throw new Error(`pg was sent a query while its connection ran another: ${found[0]!.message}`);
});
