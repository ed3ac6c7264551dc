/**
 * The bridge's consecutive wrong-PIN counters, per card serial, in a small JSON file.
 * SoftHSM2 never locks a token, so the bridge does what a smart card does itself: after
 * MAX_PIN_TRIES consecutive wrong PINs the card is locked until unlocked with the SO PIN.
 * The file is read on every use, so the unlock command (another process) takes effect at
 * once in a running bridge, and the counters survive restarts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { MAX_PIN_TRIES } from './codes';

const entry = z.object({
  failures: z.number().int().min(0),
  label: z.string().optional(),
  updatedAt: z.string().optional(),
});
const fileSchema = z.object({ version: z.literal(1), cards: z.record(z.string(), entry) });
type StateFile = z.infer<typeof fileSchema>;

export class PinCounterStore {
  constructor(readonly file: string) {}

  private read(): StateFile {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, cards: {} };
      throw e;
    }
    const parsed = fileSchema.safeParse(JSON.parse(text));
    // A damaged state file must not unlock cards silently: refuse to go on.
    if (!parsed.success) throw new Error(`bridge state file ${this.file} is not valid: ${parsed.error.issues[0]?.message ?? ''}`);
    return parsed.data;
  }

  private write(state: StateFile): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  /** Consecutive wrong PINs so far. */
  failures(serial: string): number {
    return this.read().cards[serial]?.failures ?? 0;
  }

  locked(serial: string): boolean {
    return this.failures(serial) >= MAX_PIN_TRIES;
  }

  /** Counts one more wrong PIN; returns the new count. */
  recordFailure(serial: string, label?: string): number {
    const state = this.read();
    const failures = Math.min((state.cards[serial]?.failures ?? 0) + 1, MAX_PIN_TRIES);
    state.cards[serial] = { failures, label, updatedAt: new Date().toISOString() };
    this.write(state);
    return failures;
  }

  /** Marks the card locked (the card itself reported it). */
  lock(serial: string, label?: string): void {
    const state = this.read();
    state.cards[serial] = { failures: MAX_PIN_TRIES, label, updatedAt: new Date().toISOString() };
    this.write(state);
  }

  /** A right PIN or an unlock: back to zero. */
  reset(serial: string): void {
    const state = this.read();
    if (!state.cards[serial]) return;
    delete state.cards[serial];
    this.write(state);
  }
}
