'use strict';
const cassandra = require('cassandra-driver');
const { CASSANDRA_SECURED_CONTACT, LOCAL_DC } = require('./endpoints');
const { USER, ensureCertificates, secret } = require('./certificates');
const { securedCassandraLogin, isAuthenticationError, tlsOf } = require('./probes');
const { sleep } = require('./processes');

/** How long the default superuser may take to appear after a first start. */
const DEFAULT_ROLE_WAIT_MS = 60_000;
/** Cassandra's default superuser on a fresh node: cassandra/cassandra. */
const DEFAULT_ROLE = 'cassandra';

async function withClient(material, username, password, use) {
  const client = new cassandra.Client({
    contactPoints: [CASSANDRA_SECURED_CONTACT],
    localDataCenter: LOCAL_DC,
    sslOptions: tlsOf(material, { clientCertificate: true }),
    credentials: { username, password },
  });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.shutdown();
  }
}

/** Logs in as the default superuser, waiting for it to be set up on a node's first start. */
async function asDefaultSuperuser(material, use) {
  const deadline = Date.now() + DEFAULT_ROLE_WAIT_MS;
  for (;;) {
    try {
      return await withClient(material, DEFAULT_ROLE, DEFAULT_ROLE, use);
    } catch (error) {
      if (!isAuthenticationError(error) || Date.now() > deadline) throw error;
    }
    await sleep(1000);
  }
}

/**
 * User clickstream logs in to the secured node. On its first start, the default superuser makes
 * clickstream a superuser (it creates the tests' keyspaces), which then retires the default one, as an
 * operator would. Passwords are the node's secret: a literal in the CQL, never on a command line.
 */
async function ensureSecuredRole(paths, say) {
  const { material } = await ensureCertificates();
  const password = secret(material.cassandraPassword);
  const failure = await securedCassandraLogin(material, USER, password);
  if (failure !== null) {
    if (!isAuthenticationError(failure)) throw failure;
    say(`creating the role ${USER}`);
    try {
      await asDefaultSuperuser(material, async (client) => {
        await client.execute(`CREATE ROLE IF NOT EXISTS ${USER} WITH PASSWORD = '${password}' AND LOGIN = true AND SUPERUSER = true`);
      });
    } catch (error) {
      throw new Error(
        `cassandra-secured: user ${USER} cannot log in with the password in ${material.cassandraPassword}, and the default ` +
          `superuser is retired (${error.message}); start that node afresh: \`npm run services -- down --wipe cassandra-secured && npm run services -- up\``,
      );
    }
    await withClient(material, USER, password, (client) => client.execute(`ALTER ROLE ${DEFAULT_ROLE} WITH LOGIN = false`));
  }
  say(`TLS with a client certificate, user ${USER} logs in on ${CASSANDRA_SECURED_CONTACT}`);
}

module.exports = { ensureSecuredRole };
