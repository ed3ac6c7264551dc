import type { DemoData } from '../src/bootstrap';
import { seedDemo } from './demo';
import { seedAreas } from './areas';
import { createDemoPki } from './demoPki';

/** The demo data that the entry points hand to src/bootstrap.ts (src/ never imports seeds/). */
export const demoData: DemoData = {
  async seed(owner) {
    const people = await seedDemo(owner);
    return { people, areas: await seedAreas(owner) };
  },
  createPki: (dir, opts) => createDemoPki(dir, opts),
};
