// Drives the fake ShopiMind API with the official @shopimind/sdk-js and prints JSON results.
// Usage: node drive_sdk.mjs <path to sdk dist/index.js> <base url> <api key>
import { pathToFileURL } from 'node:url';

const [sdkPath, baseUrl, apiKey] = process.argv.slice(2);
const sdk = await import(pathToFileURL(sdkPath).href);
const {
  SpmClient, SpmHelpers, SpmCustomers, SpmDataSources, SpmCustomDataDefinitions,
  SpmCustomDataRecords, SpmEvents,
} = sdk;

const client = SpmClient.getClient('v1', apiKey, { baseUrl, retry: false });
const out = {};

const created = await SpmDataSources.create(client, { label: 'JS shop', type: 'api' });
const source = SpmHelpers.unwrapOrThrow(created);
out.dataSourceCreate = { statusCode: created.statusCode, id: source.id_data_source };
out.dataSourceData = source;
const listed = await SpmDataSources.list(client);
out.dataSourceLabels = SpmHelpers.unwrapOrThrow(listed).map((s) => s.label);

const customers = [];
for (let i = 0; i < 120; i += 1) {
  customers.push({
    customer_id: `js-${i}`,
    email: i === 7 || i === 93 ? `broken-${i}` : `js${i}@example.com`,
    first_name: 'Js',
    last_name: 'Sdk',
    is_active: true,
    updated_at: '2026-03-01T10:00:00Z',
    id_data_source: source.id_data_source,
  });
}
const bulk = await SpmCustomers.bulkSave(client, customers, { chunk: true });
out.bulk = {
  ok: bulk.ok,
  counts: SpmHelpers.extractCounts(bulk),
  chunks: bulk.data.chunks.length,
  rejectedKeys: bulk.data.rejected_items.map((r) => r.key),
  rejectedIndexes: bulk.data.rejected_items.map((r) => r.index),
};

const def = await SpmCustomDataDefinitions.create(client, {
  name: 'loyalty',
  unique_keys: ['card'],
  fields: [
    { name: 'card', label: 'Card', type: 'text', required: true },
    { name: 'points', label: 'Points', type: 'number', required: false },
  ],
});
const defId = SpmHelpers.unwrapOrThrow(def).id_definition;
out.definitionData = SpmHelpers.unwrapOrThrow(def);
out.definitionNames = SpmHelpers.unwrapOrThrow(await SpmCustomDataDefinitions.list(client, { limit: 100 }))
  .map((d) => d.name);
const activate = await SpmCustomDataDefinitions.activate(client, defId);
out.activateStatus = activate.statusCode;
const records = [];
for (let i = 0; i < 25; i += 1) records.push({ card: `card-${i}`, points: i });
const recordsEnv = await SpmCustomDataRecords.bulkSave(client, defId, records, { chunk: true });
out.records = { counts: SpmHelpers.extractCounts(recordsEnv), chunks: recordsEnv.data.chunks.length };
out.recordsListed = SpmHelpers.unwrapOrThrow(await SpmCustomDataRecords.list(client, defId, { limit: 100 })).length;

const event = await SpmEvents.create(client, { name: 'Order shipped', code_name: 'order_shipped' });
out.eventCreate = event.statusCode;
out.eventData = SpmHelpers.unwrapOrThrow(event);
out.eventAgain = (await SpmEvents.create(client, { name: 'Order shipped', code_name: 'order_shipped' })).statusCode;
out.eventCodes = SpmHelpers.unwrapOrThrow(await SpmEvents.list(client)).map((e) => e.code_name);
const trigger = await SpmEvents.trigger(client, 'order_shipped', { contact: { email: 'a@example.com' } });
out.trigger = { statusCode: trigger.statusCode, ok: trigger.ok };
out.triggerData = SpmHelpers.unwrapOrThrow(trigger);

const stranger = SpmClient.getClient('v1', 'not-the-key', { baseUrl, retry: false });
const denied = await SpmDataSources.list(stranger);
out.denied = {
  ok: denied.ok,
  statusCode: denied.statusCode,
  code: denied.error.code,
  message: denied.data && denied.data.message,
};

process.stdout.write(`${JSON.stringify(out)}\n`);
