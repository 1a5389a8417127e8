'use strict';
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const STATE = path.join(ROOT, '.services');
const TEMPLATES = path.join(ROOT, 'scripts', 'conf');
const POMS = path.join(ROOT, 'scripts', 'maven');
/** The private CA, the servers' certificates and keystores, and the secured servers' passwords. */
const SECRETS = path.join(STATE, 'secured');

/** Every runtime path of one service, all under .services/; DISTRIBUTION names the jars it runs (its pom). */
function pathsOf(name, distribution = name) {
  return {
    lib: path.join(STATE, 'lib', distribution),
    pom: path.join(POMS, distribution, 'pom.xml'),
    data: path.join(STATE, name),
    conf: path.join(STATE, 'conf', name),
    log: path.join(STATE, 'logs', `${name}.log`),
    pid: path.join(STATE, `${name}.pid`),
  };
}

module.exports = { ROOT, STATE, TEMPLATES, SECRETS, pathsOf };
