// README "Real command lines" lists the commands of tests/fixtures/real-commands.json (run by
// tests/real-commands.test.ts): one table row per fixture command and no other, each with the command (its start,
// when shortened with …), the -roi the test appends and the command's public source.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { FIXTURE, type RealCommand } from './helpers/real-commands-run.ts';

const fx = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { commands: (RealCommand & { source: string })[] };
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The section's table rows: name, command, appended words, source link. */
function rows(): { name: string; command: string; extra: string; source: string }[] {
  const start = readme.indexOf('\n### Real command lines\n');
  assert.ok(start >= 0, 'README has no "### Real command lines" section');
  const rest = readme.slice(start + 1);
  const end = rest.slice(4).search(/\n#{1,3} /);
  const section = end < 0 ? rest : rest.slice(0, end + 4);
  const out = [];
  for (const line of section.split('\n')) {
    const m = /^\| `([^`]+)` \| `([^`]+)` \| `([^`]*)` \| \[[^\]]+\]\(([^)]+)\) \|$/.exec(line);
    if (m) out.push({ name: m[1], command: m[2], extra: m[3], source: m[4] });
    else assert.not.match(line, /^\| `/, `README row not in the form | \`name\` | \`command\` | \`-roi ...\` | [source](url) |: ${line}`);
  }
  return out;
}

test('README "Real command lines" lists every fixture command, and only those', () => {
  const listed = rows().map((r) => r.name);
  const fixture = fx.commands.map((c) => c.name);
  assert.equal([...listed].sort(), [...fixture].sort());
  assert.is(new Set(listed).size, listed.length, 'a command is listed twice');
});

test('each README row has the fixture command, its appended -roi and its source', () => {
  const byName = new Map(fx.commands.map((c) => [c.name, c]));
  for (const r of rows()) {
    const c = byName.get(r.name);
    if (!c) continue; // reported by the test above
    const full = ['nanoBragg', ...c.argv].join(' ');
    if (r.command.endsWith(' …')) {
      const head = r.command.slice(0, -2);
      assert.ok(full.startsWith(head + ' '), `${r.name}: the README command is not the start of the fixture's`);
      assert.ok(full.length > 120, `${r.name}: shortened although the command is short`);
    } else {
      assert.is(r.command, full, `${r.name}: command`);
    }
    assert.is(r.extra, c.extra.join(' '), `${r.name}: appended words`);
    assert.is(r.source, c.source, `${r.name}: source`);
  }
});

test.run();
