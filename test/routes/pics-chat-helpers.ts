import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { buildApp, PASSWORD } from '../support/app';

const DAY = 86_400_000;

/**
 * A clock running at real speed but shifted to a work-day morning (10:30 Taipei), so the
 * chat is within its service hours whenever the tests run. Call `settle` once the app
 * exists: it moves back a day at a time until the work calendar agrees.
 */
export function serviceClock(hour = 10, minute = 30) {
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);
  return {
    clock,
    async settle(isWorkday: (d: Date) => Promise<boolean>) {
      for (let back = 1; back < 30; back++) {
        const day = new Date(Date.now() + 8 * 3600_000 - back * DAY).toISOString().slice(0, 10);
        const target = new Date(`${day}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00+08:00`);
        if (await isWorkday(target)) {
          offset = target.getTime() - Date.now();
          return;
        }
      }
      throw new Error('no work day in the last 30 days');
    },
  };
}

/** One app instance on a real port. */
export async function startInstance(clock: () => Date) {
  const t = buildApp({}, { clock });
  const server: Server = t.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ...t,
    base,
    server,
    async stop() {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await t.close();
    },
  };
}

/** A browser-like client (cookies, CSRF token) against one instance's base URL. */
export class Client {
  cookies = new Map<string, string>();
  csrf = '';
  constructor(public base: string) {}

  get cookie() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** The same session, talking to another instance. */
  on(base: string): Client {
    const c = new Client(base);
    c.cookies = this.cookies;
    c.csrf = this.csrf;
    return c;
  }

  private keep(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const i = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  }

  async get(path: string, headers: Record<string, string> = {}) {
    const res = await fetch(this.base + path, { headers: { cookie: this.cookie, ...headers }, redirect: 'manual' });
    this.keep(res);
    return res;
  }

  async page(path: string) {
    const res = await this.get(path);
    const text = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(text);
    if (m) this.csrf = m[1]!;
    return { status: res.status, text, location: res.headers.get('location') };
  }

  async form(path: string, fields: Record<string, string>) {
    const res = await fetch(this.base + path, {
      method: 'POST',
      headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: this.csrf, ...fields }).toString(),
      redirect: 'manual',
    });
    this.keep(res);
    return res;
  }

  async json(path: string, body: unknown) {
    const res = await fetch(this.base + path, {
      method: 'POST',
      headers: { cookie: this.cookie, 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': this.csrf },
      body: JSON.stringify(body),
      redirect: 'manual',
    });
    this.keep(res);
    return res;
  }

  async upload(path: string, field: string, name: string, data: Buffer, type = 'application/octet-stream', accept = 'application/json') {
    const form = new FormData();
    form.append(field, new Blob([new Uint8Array(data)], { type }), name);
    const res = await fetch(`${this.base}${path}?_csrf=${encodeURIComponent(this.csrf)}`, {
      method: 'POST',
      headers: { cookie: this.cookie, accept },
      body: form,
      redirect: 'manual',
    });
    this.keep(res);
    return res;
  }

  /** Signs in with account and password, as the login page does. */
  static async signIn(base: string, login: string, password = PASSWORD): Promise<Client> {
    const c = new Client(base);
    await c.page('/login');
    const res = await c.form('/login', { account: login, password });
    if (res.status !== 303) throw new Error(`sign-in failed for ${login}: ${res.status}`);
    await c.page('/my/profile');
    return c;
  }

  /** Opens an event stream; `lastEventId` resumes as a reconnecting EventSource does. */
  sse(path: string, lastEventId?: number): Promise<EventStream> {
    return EventStream.open(this.base + path, this.cookie, lastEventId);
  }
}

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
  at: number;
}

export class EventStream {
  events: SseEvent[] = [];
  status = 0;
  private waiters: { pred: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];
  private req!: http.ClientRequest;
  /** Settles when the server ends the stream. */
  ended!: Promise<void>;

  static open(url: string, cookie: string, lastEventId?: number): Promise<EventStream> {
    const s = new EventStream();
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { cookie, accept: 'text/event-stream' };
      if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
      s.req = http.get(url, { headers, agent: false }, (res) => {
        s.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (chunk: string) => {
          buf += chunk;
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const e: SseEvent = { event: 'message', data: '', at: performance.now() };
            let hasData = false;
            for (const line of block.split('\n')) {
              if (line.startsWith('id: ')) e.id = line.slice(4);
              else if (line.startsWith('event: ')) e.event = line.slice(7);
              else if (line.startsWith('data: ')) {
                e.data += line.slice(6);
                hasData = true;
              }
            }
            if (hasData) s.push(e);
          }
        });
        res.on('error', () => {});
        s.ended = new Promise((done) => {
          res.on('end', () => done());
          res.on('close', () => done());
        });
        resolve(s);
      });
      s.req.on('error', reject);
    });
  }

  private push(e: SseEvent) {
    this.events.push(e);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(e)) return true;
      w.resolve(e);
      return false;
    });
  }

  /** The first event (already received or coming) that matches. */
  next(pred: (e: SseEvent) => boolean, timeoutMs = 10_000): Promise<SseEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching event; got ${this.events.map((e) => `${e.event}:${e.data.slice(0, 80)}`).join(' | ')}`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  lines(): { id: number; sender: string; name: string; kind: string; body: string; time: string; state: string; image: { url: string } | null }[] {
    return this.events.filter((e) => e.event === 'line').map((e) => JSON.parse(e.data));
  }

  line(pred: (l: ReturnType<EventStream['lines']>[number]) => boolean) {
    return this.next((e) => e.event === 'line' && pred(JSON.parse(e.data))).then((e) => JSON.parse(e.data) as ReturnType<EventStream['lines']>[number]);
  }

  close() {
    this.req.destroy();
  }

  /** Resolves when the server ends the stream; rejects if it is still open after `timeoutMs`. */
  endedWithin(timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the stream is still open')), timeoutMs);
      void this.ended.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
