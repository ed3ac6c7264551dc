import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ejs from 'ejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createViewEngine, escapeHtml, localNames, readNames } from '../../src/platform/web/viewEngine';

const viewsDir = path.resolve(import.meta.dirname, '../../views');
let dir: string;

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'views-'));
  write('partials/box.ejs', '<b><%= label %>:<%= locals.extra || "-" %>:<%= who %></b><% label = "changed in include" %><%- include("inner", { depth: 2 }) %>');
  write('partials/inner.ejs', '<i><%= depth %>/<%= who %></i>');
  write('page.ejs', '<p><%= who %></p><%- include("/partials/box", { label: "A" }) %><%- include("partials/box", { label: "B", extra: "x" }) %><p><%= typeof label %>|<%= typeof depth %></p>');
  write('partials/plain.ejs', '[<%= who %>]<% who = "changed in include"; const mine = 1 %><%= mine %>');
  write('plain-page.ejs', '<%- include("/partials/plain") %><%- include("partials/plain") %><%= who %>|<%= typeof mine %>');
  write('broken.ejs', 'line 1\nline 2 <%= missing.name %>\nline 3');
  write('escape.ejs', '<%= a %>|<%= b %>|<%= c %>|<%- a %>');
  write('outside.ejs', '<%- include("../../etc/passwd") %>');
  write('pollute.ejs', '<%= typeof escapeFn %>|<%= typeof locals.hasOwnProperty %>|<%= typeof locals.toString %>');
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['production (no line tracking)', false],
  ['development and tests (line tracking)', true],
])('the view engine, %s', (_label, debug) => {
  const engine = () => createViewEngine({ root: dir, cache: true, debug });

  it('renders includes by path from the views folder and relative to the including file, each with its own data', () => {
    const html = engine().render(path.join(dir, 'page.ejs'), { who: '王小明' });
    expect(html).toBe(
      '<p>王小明</p><b>A:-:王小明</b><i>2/王小明</i><b>B:x:王小明</b><i>2/王小明</i><p>undefined|undefined</p>',
    );
  });

  it('renders an include given no data with the page’s own locals; what it assigns or declares stays its own', () => {
    const html = engine().render(path.join(dir, 'plain-page.ejs'), { who: '王小明' });
    expect(html).toBe('[王小明]1[王小明]1王小明|undefined');
  });

  it('escapes as EJS does, byte for byte, and prints nothing for null and undefined', () => {
    const a = `<a href="x" onclick='y'>&amp;</a>`;
    const html = engine().render(path.join(dir, 'escape.ejs'), { a, b: null, c: undefined });
    expect(html).toBe(`${ejs.escapeXML(a)}|||${a}`);
    for (const v of ['plain 中文', '<>&"\'', 'a&b', 42, 0, true]) expect(escapeHtml(v)).toBe(ejs.escapeXML(v as string));
  });

  it('shows nothing of Object.prototype to a template', () => {
    const html = engine().render(path.join(dir, 'pollute.ejs'), { who: 'x' });
    // escapeFn is the engine's own (a parameter); Object.prototype's members are not locals.
    expect(html).toBe('function|undefined|undefined');
  });

  it('refuses an include outside the views folder', () => {
    expect(() => engine().render(path.join(dir, 'outside.ejs'), {})).toThrow(/outside the views folder/);
  });

  it('throws a template error (naming the template and line when tracking lines)', () => {
    let error: Error | undefined;
    try {
      engine().render(path.join(dir, 'broken.ejs'), {});
    } catch (err) {
      error = err as Error;
    }
    expect(error).toBeInstanceOf(Error);
    if (debug) expect(error!.message).toMatch(/broken\.ejs:2\n[\s\S]* >> 2\| line 2/);
  });

  it("renders the portal's own partials exactly as EJS does", async () => {
    const views = createViewEngine({ root: viewsDir, cache: true, debug });
    const cases: [string, object][] = [
      ['partials/field.ejs', { name: 'email', label: '電子郵件', hint: '例：a@b.tw', errors: { email: '請輸入<電子郵件>' }, values: { email: '"x"@y' }, maxlength: 100 }],
      ['partials/field.ejs', { name: 'pw', label: '密碼', type: 'password', keep: false, errors: {}, values: { pw: 'secret' } }],
      ['partials/pager.ejs', { result: { total: 25, pages: 3, page: 2 }, base: '/cloud?q=%22%3E&page=2' }],
      ['partials/pager.ejs', { result: { total: 0, pages: 0, page: 1 }, base: '/cloud' }],
    ];
    for (const [name, data] of cases) {
      const file = path.join(viewsDir, name);
      expect(views.render(file, data)).toBe(await ejs.renderFile(file, data));
    }
  });
});

describe('the view engine without its cache (development)', () => {
  it('reads a template again on each render, so an edit shows at once', () => {
    const engine = createViewEngine({ root: dir, cache: false, debug: true });
    const file = write('edited.ejs', 'one');
    expect(engine.render(file, {})).toBe('one');
    fs.writeFileSync(file, 'two');
    expect(engine.render(file, {})).toBe('two');
  });

  it('keeps a compiled template with its cache', () => {
    const engine = createViewEngine({ root: dir, cache: true, debug: false });
    const file = write('kept.ejs', 'one');
    expect(engine.render(file, {})).toBe('one');
    fs.writeFileSync(file, 'two');
    expect(engine.render(file, {})).toBe('one');
  });
});

describe('the Express adapter', () => {
  it('passes the page to Express, or the error', async () => {
    const engine = createViewEngine({ root: dir, cache: true, debug: false });
    const ok = await new Promise<string | undefined>((resolve, reject) => engine.express(path.join(dir, 'page.ejs'), { who: 'x' }, (err, html) => (err ? reject(err) : resolve(html))));
    expect(ok).toContain('<p>x</p>');
    const failed = await new Promise<Error | null>((resolve) => engine.express(path.join(dir, 'broken.ejs'), {}, (err) => resolve(err)));
    expect(failed).toBeInstanceOf(Error);
  });
});

describe('the names a template reads as locals', () => {
  it('are its identifiers but properties, object keys, globals and its own machinery', () => {
    const code = 'const err = errors && errors[name]; __append(escapeFn(user.agencyName)); include("/x", { label: title, user }); for (const [k, v] of Object.entries(scopes)) __append(encodeURIComponent(k) + v?.id);';
    expect(localNames(code).sort()).toEqual(['err', 'errors', 'k', 'name', 'scopes', 'title', 'user', 'v']);
  });

  /** ECMAScript's own globals, the only global names the portal's views may use. */
  const BUILT_INS = new Set(['undefined', 'NaN', 'Infinity', 'Object', 'Array', 'String', 'Number', 'Boolean', 'Date', 'Math', 'JSON', 'Set', 'Map', 'RegExp', 'Intl', 'encodeURIComponent', 'decodeURIComponent', 'parseInt', 'parseFloat', 'isNaN', 'URLSearchParams', 'URL']);

  it("of no portal view take a name that is also a global's (such a local would read the global)", () => {
    const files: string[] = [];
    const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.ejs') && files.push(path.join(d, e.name))));
    walk(viewsDir);
    expect(files.length).toBeGreaterThan(100);
    const globalsUsed = new Set<string>();
    for (const file of files) {
      const template = new ejs.Template(fs.readFileSync(file, 'utf8'), { filename: file, _with: false, compileDebug: false });
      template.compile();
      const code = (template as unknown as { source: string }).source;
      for (const name of readNames(code)) if (name in globalThis) globalsUsed.add(name);
    }
    expect([...globalsUsed].filter((n) => !BUILT_INS.has(n))).toEqual([]);
  });
});
