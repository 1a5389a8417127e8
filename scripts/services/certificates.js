'use strict';
// The secured servers' material, made once under .services/secured: a private CA and, signed by it, a
// server certificate for 127.0.0.1 and localhost (as PEM and as a PKCS12 keystore for the JVMs) and a
// client certificate for mutual TLS; a truststore holding the CA (Cassandra checks client certificates
// against it); a second CA that signs nothing the servers present, for tests of an untrusted server;
// and the passwords of the secured servers' user `clickstream`.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { SECRETS } = require('./paths');
const { run } = require('./run');
const { requireOpenssl } = require('./tools');

/** The user of the secured Kafka listener (SCRAM-SHA-512 and PLAIN) and of the secured Cassandra. */
const USER = 'clickstream';
const DAYS = '3650';
const SERVER_NAMES = 'IP:127.0.0.1,DNS:localhost';

/** Where each piece is; `secret(name)` reads one of the passwords. */
function materialOf(dir = SECRETS) {
  const file = (name) => path.join(dir, name);
  return {
    dir,
    ca: file('ca.pem'),
    otherCa: file('other-ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    serverKeystore: file('server.p12'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
    truststore: file('truststore.p12'),
    storePassword: file('store-password'),
    kafkaPassword: file('kafka-password'),
    cassandraPassword: file('cassandra-password'),
  };
}

function secret(file) {
  return fs.readFileSync(file, 'utf8').trim();
}

async function command(name, args, cwd) {
  const { code, output } = await run(name, args, { cwd });
  if (code !== 0) throw new Error(`making the secured servers' certificates: ${name} ${args[0]} failed (exit ${code}):\n${output.trim()}`);
}

const newKey = (keyFile) => ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile];

async function selfSignedCa(dir, name, subject) {
  await command('openssl', [
    'req', '-x509', ...newKey(`${name}.key`), '-out', `${name}.pem`, '-days', DAYS, '-subj', `/CN=${subject}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ], dir);
}

/** A key and a certificate for it signed by ca.pem, with the given extensions. */
async function signedByCa(dir, name, subject, extensions) {
  fs.writeFileSync(path.join(dir, `${name}.ext`), `${extensions.join('\n')}\n`);
  await command('openssl', ['req', '-new', ...newKey(`${name}.key`), '-out', `${name}.csr`, '-subj', `/CN=${subject}`], dir);
  await command('openssl', [
    'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', `0x${crypto.randomBytes(8).toString('hex')}`,
    '-days', DAYS, '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.pem`,
  ], dir);
  for (const scratch of [`${name}.csr`, `${name}.ext`]) fs.rmSync(path.join(dir, scratch));
}

async function generate(dir) {
  const material = materialOf(dir);
  const password = () => crypto.randomBytes(18).toString('base64url');
  for (const file of [material.storePassword, material.kafkaPassword, material.cassandraPassword]) {
    fs.writeFileSync(file, `${password()}\n`, { mode: 0o600 });
  }
  await selfSignedCa(dir, 'ca', 'clickstream test CA');
  await selfSignedCa(dir, 'other-ca', 'clickstream untrusted test CA');
  await signedByCa(dir, 'server', 'localhost', [
    'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth', `subjectAltName=${SERVER_NAMES}`,
  ]);
  await signedByCa(dir, 'client', USER, ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth']);
  await command('openssl', [
    'pkcs12', '-export', '-in', 'server.pem', '-inkey', 'server.key', '-certfile', 'ca.pem', '-name', 'server',
    '-out', 'server.p12', '-passout', 'file:store-password',
  ], dir);
  await command('keytool', [
    '-importcert', '-noprompt', '-alias', 'clickstream-ca', '-file', 'ca.pem', '-keystore', 'truststore.p12',
    '-storetype', 'PKCS12', '-storepass:file', 'store-password',
  ], dir);
  // The other CA's key is not needed: nothing is ever signed with it.
  fs.rmSync(path.join(dir, 'other-ca.key'));
}

let ready = null;

/**
 * The material, made on first use: into a scratch folder renamed into place once complete, so an
 * interrupted run leaves nothing half made. Kept across `down --wipe` of any one server.
 */
function ensureCertificates() {
  ready ??= (async () => {
    const material = materialOf();
    if (fs.existsSync(material.dir)) return { material, made: false };
    requireOpenssl();
    const scratch = `${material.dir}.partial-${process.pid}`;
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.mkdirSync(scratch, { recursive: true, mode: 0o700 });
    try {
      await generate(scratch);
      fs.renameSync(scratch, material.dir);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
    return { material, made: true };
  })();
  return ready;
}

module.exports = { USER, SERVER_NAMES, materialOf, secret, ensureCertificates };
