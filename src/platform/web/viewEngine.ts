/**
 * The portal's EJS view engine: EJS's parser and code generator, but templates compiled once
 * into plain functions and includes resolved once, with the page's locals shared by the
 * prototype chain rather than copied.
 *
 * EJS's own `renderFile` copies every local (the app's helpers, the request's locals and the
 * page's own: some thirty names) into a fresh object for the page, then twice more for every
 * `include` (the form fields, the header, the pager…), and looks each include's path up again on
 * every call: about a tenth of the CPU a signed-in page took (BENCHMARKS.md, issue 19). Here a
 * page's locals are copied once, into an object without a prototype (so nothing on
 * `Object.prototype` is ever taken for a local); an include given data sees them through its
 * own object whose prototype they are, holding only the names the include was given, and one
 * given none (the header, the footer) reads the same object (a template never writes to its
 * locals: an assignment changes only its own variable).
 *
 * A template reads its locals as plain variables, not through `with (locals)`: each name the
 * template's code reads (found once, at compile time, by tokenizing the code EJS generates) is
 * taken from the locals on entry. Inside `with`, every name a template used was a dynamic lookup
 * through the locals object, loop after loop. Names that are JavaScript's globals (`Object`,
 * `encodeURIComponent`…) stay the globals: no local may take a global's name
 * (test/unit/viewEngine.test.ts checks the portal's views). A name a template declares itself
 * (`const err = …`) shadows the local of that name, as it did under `with`; a name neither
 * given nor declared reads `undefined` rather than throwing.
 *
 * What a template may do is EJS's: `<%= %>`, `<%- %>`, `<% %>`, `include(path, data)` with a path
 * from the views folder (`/partials/field`) or relative to the including file. The escaping is
 * EJS's, byte for byte. `debug` keeps EJS's line tracking, so an error names the template and
 * line; production leaves it out.
 */
import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import { tokenizer, tokTypes } from 'acorn';

type Escape = (value: unknown) => string;
type Include = (file: string, data?: Record<string, unknown>) => string;
type Rethrow = (err: Error, source: string, file: string, line: number) => never;
type TemplateFn = (locals: object, escapeFn: Escape, include: Include, rethrow: Rethrow) => string;

export interface ViewEngineOptions {
  /** The views folder: absolute include paths start here. */
  root: string;
  /** Keep compiled templates (and resolved include paths) for the life of the process. */
  cache: boolean;
  /** Track template lines so that an error names its template and line. */
  debug: boolean;
}

export interface ViewEngine {
  /** Renders the template at `file` (absolute) with `data` as its locals. */
  render(file: string, data: object): string;
  /** The same, as an Express view engine (`app.engine('ejs', engine.express)`). */
  express(file: string, data: object, done: (err: Error | null, html?: string) => void): void;
}

const ESCAPED: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
const NEEDS_ESCAPE = /[&<>'"]/;
const ESCAPABLE = /[&<>'"]/g;

/** EJS's escaping, byte for byte, without a replace when there is nothing to escape (most values). */
export function escapeHtml(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPABLE, (c) => ESCAPED[c]!) : text;
}

/** Adds the template's name, line and the lines around it to an error thrown while rendering. */
function rethrow(err: Error & { path?: string }, source: string, file: string, line: number): never {
  const lines = source.split('\n');
  const start = Math.max(line - 3, 0);
  const context = lines
    .slice(start, Math.min(lines.length, line + 3))
    .map((text, i) => `${i + start + 1 === line ? ' >> ' : '    '}${i + start + 1}| ${text}`)
    .join('\n');
  err.path = file;
  err.message = `${file}:${line}\n${context}\n\n${err.message}`;
  throw err;
}

/** Names the engine's function gives a template, or that only its own code may declare. */
const RESERVED = new Set(['locals', 'escapeFn', 'include', 'rethrow', '__output', '__append', '__line', '__lines', '__filename', '__locals', 'arguments']);
/** Words that are names to the tokenizer but cannot be declared with `let`, or mean something else there. */
const CONTEXTUAL = new Set(['let', 'yield', 'await', 'async', 'of', 'get', 'set', 'static', 'as', 'from', 'eval']);

/**
 * The names a template's generated code reads: every identifier that is not a property
 * (`a.name`, `a?.name`), not an object literal's key (`{ name: … }`) and not the engine's own.
 */
export function readNames(code: string): string[] {
  const names = new Set<string>();
  const tokens = [...tokenizer(code, { ecmaVersion: 'latest', allowReturnOutsideFunction: true })];
  tokens.forEach((token, i) => {
    if (token.type !== tokTypes.name) return;
    const name = code.slice(token.start, token.end);
    const before = tokens[i - 1]?.type.label;
    const after = tokens[i + 1]?.type.label;
    if (before === '.' || before === '?.') return;
    if ((before === '{' || before === ',') && after === ':') return;
    if (RESERVED.has(name) || CONTEXTUAL.has(name)) return;
    names.add(name);
  });
  return [...names];
}

/** Of those, the ones taken from the locals: all but JavaScript's globals. */
export function localNames(code: string): string[] {
  return readNames(code).filter((name) => !(name in globalThis));
}

export function createViewEngine({ root, cache, debug }: ViewEngineOptions): ViewEngine {
  const templates = new Map<string, TemplateFn>();
  const includePaths = new Map<string, Map<string, string>>();

  function compile(file: string): TemplateFn {
    const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    const template = new ejs.Template(text, { filename: file, compileDebug: debug, escape: escapeHtml, _with: false });
    // EJS builds the function's body (its `__append`s and, with `debug`, its `__line` marks) in
    // `source`; the function it would wrap that body in is not used.
    template.compile();
    const body = (template as unknown as { source: string }).source;
    const names = localNames(body);
    // The template's own declarations live in a block inside, so they may reuse a local's name.
    const prologue = names.length ? `let __locals = locals, ${names.map((n) => `${n} = __locals.${n}`).join(', ')};\n` : '';
    const code = `${prologue}{\n${body}}\n`;
    // The template's file names its function (in stack traces and CPU profiles), in production too.
    const sourceUrl = `//# sourceURL=${JSON.stringify(file).slice(1, -1)}\n`;
    const source = debug
      ? `let __line = 1, __lines = ${JSON.stringify(text)}, __filename = ${JSON.stringify(file)};\n` +
        `try {\n${code}} catch (e) {\n  rethrow(e, __lines, __filename, __line);\n}\n${sourceUrl}`
      : code + sourceUrl;
    return new Function('locals, escapeFn, include, rethrow', source) as TemplateFn;
  }

  function load(file: string): TemplateFn {
    let fn = cache ? templates.get(file) : undefined;
    if (!fn) {
      fn = compile(file);
      if (cache) templates.set(file, fn);
    }
    return fn;
  }

  function resolveInclude(from: string, name: string): string {
    let known = cache ? includePaths.get(from) : undefined;
    let file = known?.get(name);
    if (!file) {
      const withExtension = path.extname(name) ? name : `${name}.ejs`;
      file = withExtension.startsWith('/') ? path.join(root, withExtension) : path.resolve(path.dirname(from), withExtension);
      if (!file.startsWith(root + path.sep)) throw new Error(`include outside the views folder: ${name}`);
      if (cache) {
        if (!known) includePaths.set(from, (known = new Map()));
        known.set(name, file);
      }
    }
    return file;
  }

  function run(file: string, locals: object): string {
    // An include given data sees the including template's locals through its prototype.
    return load(file)(
      locals,
      escapeHtml,
      (name, data) => run(resolveInclude(file, name), data ? Object.assign(Object.create(locals) as object, data) : locals),
      rethrow,
    );
  }

  const render = (file: string, data: object) => run(file, Object.assign(Object.create(null) as object, data));
  return {
    render,
    express(file, data, done) {
      let html: string;
      try {
        html = render(file, data);
      } catch (err) {
        done(err as Error);
        return;
      }
      done(null, html);
    },
  };
}
