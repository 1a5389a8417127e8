#!/usr/bin/env node
'use strict';
// The build's second step, after tsc: the dashboard's plain files (HTML, CSS, browser JavaScript, which
// tsc does not compile) go beside the compiled server in dist/, so dist/ runs without src/ (an installed
// package has no src/). Plain Node, no dependency, any OS.
const { copyFileSync, mkdirSync, readdirSync, rmSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const FROM = join(ROOT, 'src', 'http', 'dashboard');
const TO = join(ROOT, 'dist', 'http', 'dashboard');

// A file deleted from src/ must not linger in dist/ from an earlier build.
rmSync(TO, { recursive: true, force: true });
mkdirSync(TO, { recursive: true });
for (const name of readdirSync(FROM)) copyFileSync(join(FROM, name), join(TO, name));
