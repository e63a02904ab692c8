#!/usr/bin/env node
// The drop-in `nanoBragg` command (src/nanobragg-cli.ts), run through tsx.
import { register } from 'tsx/esm/api';
register();
const { nanoBraggMain } = await import('../src/nanobragg-cli.ts');
process.exitCode = await nanoBraggMain(process.argv.slice(2));
