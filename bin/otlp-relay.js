#!/usr/bin/env node
// Installed entry point: runs the compiled CLI (npm run build), or the sources directly on Node >= 24.
import { existsSync } from 'node:fs';
const compiled = new URL('../dist/main.js', import.meta.url);
await import(existsSync(compiled) ? compiled.href : new URL('../src/main.ts', import.meta.url).href);
