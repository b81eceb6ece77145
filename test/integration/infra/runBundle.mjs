// Runs a Lambda bundle's handler the way the Lambda runtime calls it, in whatever Node runs this file:
//   node runBundle.mjs <bundle.mjs> <events.json> <results.json>
// Each event of the JSON array is handled in turn with a Lambda-like context; the results (or the
// errors' names and messages) are written to <results.json>, with the Node version that ran them.
// Plain JavaScript, so that the Node under test loads it without a TypeScript loader.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [bundle, eventsFile, resultsFile] = process.argv.slice(2);
const { handler } = await import(pathToFileURL(bundle).href);
const events = JSON.parse(readFileSync(eventsFile, 'utf8'));
const results = [];
for (let i = 0; i < events.length; i++) {
  const context = {
    functionName: 'emf-fanout-node22', functionVersion: '$LATEST', awsRequestId: `request-${i}`,
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:emf-fanout-node22', memoryLimitInMB: '512',
    logGroupName: '/aws/lambda/emf-fanout-node22', logStreamName: 'node22', callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 60_000,
  };
  try {
    results.push({ ok: await handler(events[i], context) });
  } catch (err) {
    results.push({ error: { name: err?.name, message: err?.message } });
  }
}
writeFileSync(resultsFile, JSON.stringify({ node: process.version, results }));
process.exit(0);
