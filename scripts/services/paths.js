'use strict';
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const STATE = path.join(ROOT, '.services');
const TEMPLATES = path.join(ROOT, 'scripts', 'conf');
const POMS = path.join(ROOT, 'scripts', 'maven');

/** Every runtime path of one service, all under .services/. */
function pathsOf(name) {
  return {
    lib: path.join(STATE, 'lib', name),
    pom: path.join(POMS, name, 'pom.xml'),
    data: path.join(STATE, name),
    conf: path.join(STATE, 'conf', name),
    log: path.join(STATE, 'logs', `${name}.log`),
    pid: path.join(STATE, `${name}.pid`),
  };
}

module.exports = { ROOT, STATE, TEMPLATES, pathsOf };
