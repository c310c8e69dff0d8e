// The official JS kit (@shopimind/integration-kit-js 2.0.1, @shopimind/sdk-js 1.1.0) doing
// the work of spmkit's benchmarks, driven the way the kit's own engine tests drive it:
// runIntegrationSync + defineBulkStep + ctx.sendBulk, its SQLite store (':memory:'), the
// CursorRepo / RunRepo / RejectedItemRepo, a dead-letter capped at 500 per run.
//
// Usage: node kit_bench.mjs <node_modules dir> <mode> '<json arguments>'
//   backfill {"total", "fields"}          in process: the kit's scripted SDK client, whose
//                                          handler validates and stores like spmkit's fake
//   http     {"total", "fields", "url", "key"}  the SDK over loopback to `spmkit serve`
//   ticks    {"ticks"}                    steady ticks of a step that finds nothing new
// Prints one JSON object.
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const [modules, mode, rawArgs] = process.argv.slice(2);
const args = JSON.parse(rawArgs || '{}');
const load = (rel) => import(pathToFileURL(path.join(modules, rel)).href);
const kit = await load('@shopimind/integration-kit-js/dist/index.js');
const { createSqliteStore } = await load('@shopimind/integration-kit-js/dist/store/sqlite/index.js');
const {
  runIntegrationSync, defineBulkStep, CursorRepo, RunRepo, RejectedItemRepo, makeWithSource,
  makeCustomData, makeScriptedSpmClient, SpmClient, SpmCustomers,
} = kit;

const POISON_EVERY = 100;
const quiet = { debug() {}, info() {}, warn() {}, error() {}, child() { return quiet; } };

function item(i, fields) {
  const email = i % POISON_EVERY === 0 ? `user${i}.poison.test` : `user${i}@example.com`;
  if (fields === 2) return { customer_id: `c${i}`, email };
  return {
    customer_id: `c${i}`, email, first_name: 'Ada', last_name: 'Lovelace', is_active: true,
    lang: 'fr', updated_at: '2026-03-01T10:00:00Z', id_data_source: 1,
  };
}

// The part of spmkit's fake that a customers push exercises: the same e-mail rule, the
// natural key, the known fields and their types; valid items stored by key.
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s.]+$/;
const TEXT = (v) => v == null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
const FIELDS = {
  customer_id: TEXT, first_name: TEXT, last_name: TEXT, lang: TEXT, label_source: TEXT,
  email: (v) => v == null || (typeof v === 'string' && v.length <= 254 && EMAIL.test(v)),
  is_active: (v) => v == null || typeof v === 'boolean',
  updated_at: (v) => v == null || (typeof v === 'string' && !Number.isNaN(Date.parse(v))),
  id_data_source: (v) => v == null || Number.isInteger(v),
};
function fakeCustomers(stored) {
  return ({ method, body }) => {
    if (method !== 'post' || !Array.isArray(body)) return { status: 400, body: { message: 'bad' } };
    if (body.length > 50) return { status: 413, body: { message: 'too many' } };
    const rejected = [];
    body.forEach((it, index) => {
      const key = typeof it.customer_id === 'string' && it.customer_id ? it.customer_id : null;
      let reason = key === null ? 'missing customer_id' : null;
      for (const [name, value] of Object.entries(it)) {
        const check = FIELDS[name];
        if (!check) reason = `unknown field ${name}`;
        else if (!check(value)) reason = `${name} has an invalid value`;
      }
      if (reason) rejected.push({ key, index, reason });
      else stored.set(key, it);
    });
    return {
      status: 200,
      body: { sent_count: body.length - rejected.length, rejected_count: rejected.length,
              failed_count: 0, rejected_items: rejected },
    };
  };
}

function deps(store, clock) {
  return {
    cursors: new CursorRepo(store),
    runs: new RunRepo(store, clock),
    rejectedItems: new RejectedItemRepo(store, clock),
    makeSource: (sendBulk) => makeWithSource(null, sendBulk),
    makeCustomData: (sendBulk) => makeCustomData(null, sendBulk, null),
  };
}

async function backfill(client, total, fields) {
  const step = defineBulkStep({
    entity: 'customers',
    stream: async function* () { for (let i = 0; i < total; i += 1) yield i; },
    map: (i) => item(i, fields),
    push: (ctx, batch) => ctx.sendBulk((c, items, opts) => SpmCustomers.bulkSave(c, items, opts), batch),
    tolerateRejects: true,
  });
  const clock = () => new Date();
  const store = await createSqliteStore({ path: ':memory:', clock });
  await store.migrate('bench-backfill');
  const base = { installationId: 'bench', settings: {}, logger: quiet, spm: client };
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const summary = await runIntegrationSync({ syncSteps: [step] }, base, deps(store, clock),
    { fullBackfill: true });
  // Let the kit's fire-and-forget dead-letter writes land before counting them.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const deadLettered = store.db.prepare('SELECT COUNT(*) AS n FROM rejected_item').get().n;
  await store.close();
  return {
    status: summary.status,
    advanced: summary.steps[0].advanced,
    rejected: summary.steps[0].rejected,
    dead_lettered: deadLettered,
    seconds,
    cpu_seconds: (used.user + used.system) / 1e6,
    items_per_second: Math.round(total / seconds),
  };
}

async function ticks(count) {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const clock = () => new Date(now);
  const store = await createSqliteStore({ path: ':memory:', clock });
  await store.migrate('bench-idle');
  const step = {
    entity: 'customers', cursorScope: 'global', enabled: () => true,
    run: async (ctx) => ({ items: 0, errors: [], advanceCursorTo: ctx.window.until }),
  };
  const integration = { syncSteps: [step] };
  const base = { installationId: 'bench', settings: {}, logger: quiet, spm: null };
  const d = deps(store, clock);
  let ok = 0;
  const started = process.hrtime.bigint();
  for (let k = 0; k < count; k += 1) {
    now += 60_000;
    const summary = await runIntegrationSync(integration, base, d, { now: clock });
    ok += summary.status === 'ok' ? 1 : 0;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await store.close();
  return { ok_ticks: ok, seconds, ticks_per_second: Math.round(count / seconds) };
}

let result;
if (mode === 'backfill') {
  const stored = new Map();
  const client = makeScriptedSpmClient(fakeCustomers(stored));
  result = { ...(await backfill(client, args.total, args.fields ?? 2)), stored: stored.size };
} else if (mode === 'http') {
  const client = SpmClient.getClient('v1', args.key, { baseUrl: args.url, retry: false });
  result = await backfill(client, args.total, args.fields ?? 2);
} else if (mode === 'ticks') {
  result = await ticks(args.ticks);
} else {
  throw new Error(`unknown mode ${mode}: use backfill, http or ticks`);
}
result.peak_rss_mib = Math.round(process.resourceUsage().maxRSS / 102.4) / 10;
result.node = process.version;
console.log(JSON.stringify({ benchmark: `js_${mode}`, parameters: args, ...result }));
