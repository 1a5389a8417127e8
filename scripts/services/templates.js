'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { TEMPLATES } = require('./paths');

/** Writes scripts/conf/NAME to TARGET with every {{KEY}} replaced by values[KEY]. */
function renderTemplate(name, target, values = {}) {
  const text = fs.readFileSync(path.join(TEMPLATES, name), 'utf8').replace(/\{\{(\w+)\}\}/g, (whole, key) => {
    if (!(key in values)) throw new Error(`template ${name} needs a value for ${key}`);
    return values[key];
  });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, text);
  return target;
}

/** The non-comment lines of an options template, e.g. JVM flags. */
function readOptions(name) {
  return fs.readFileSync(path.join(TEMPLATES, name), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

module.exports = { renderTemplate, readOptions };
