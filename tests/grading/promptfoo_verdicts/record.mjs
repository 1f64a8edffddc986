// Record promptfoo's own verdicts for a file of cases (see README.md beside this file).
//
//   npm install promptfoo@0.123.1 && node record.mjs cases.json > verdicts.json
//
// Each case is {"assertion": {...}, "output": "...", "vars": {...}}; each verdict is promptfoo's
// {pass, score, reason} from runAssertion, in the same order.
import promptfoo from 'promptfoo';
import fs from 'fs';

const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const verdicts = [];
for (const c of cases) {
  const result = await promptfoo.assertions.runAssertion({
    assertion: c.assertion,
    test: { vars: c.vars || {} },
    providerResponse: { output: c.output },
  });
  // JSON has no Infinity or NaN: such scores are written as text ("Infinity", "NaN").
  const score = Number.isFinite(result.score) ? result.score : String(result.score);
  verdicts.push({ pass: result.pass, score, reason: result.reason });
}
console.log(JSON.stringify(verdicts));
