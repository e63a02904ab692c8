// Writes assembly/layout.ts from src/simulator/param-layout.ts (the one declaration of the host/kernel layouts).
import { readFileSync, writeFileSync } from 'node:fs';
import { assemblyLayoutSource } from '../src/simulator/param-layout.ts';

const target = new URL('../assembly/layout.ts', import.meta.url);
const text = assemblyLayoutSource();
let old = '';
try {
  old = readFileSync(target, 'utf8');
} catch {}
if (old !== text) writeFileSync(target, text);
