import * as tls from 'node:tls';

/**
 * TLS towards one kind of server (Kafka or Cassandra), as PEM texts read from the flags' files at
 * start-up. Plain data, so it can be handed to the writer thread. `clientCertificate.key` is a secret:
 * nothing prints a TlsConfig.
 */
export interface TlsConfig {
  /** CA certificates trusted for this connection besides the system roots; null: the system roots alone. */
  readonly ca: string | null;
  /** A client certificate (chain) and its private key, for mutual TLS. */
  readonly clientCertificate: { readonly cert: string; readonly key: string } | null;
}

/** Node 22 lists the default trust store (system roots plus NODE_EXTRA_CA_CERTS); Node 20 lacks this. */
type WithDefaultCas = typeof tls & { getCACertificates?: (which: 'default') => string[] };

/**
 * The roots a connection trusts when no `ca` is given. Node 20 has no way to list its default store,
 * so there a private CA is added to Node's bundled roots, and NODE_EXTRA_CA_CERTS no longer applies to
 * that connection.
 */
function defaultRoots(): readonly string[] {
  return (tls as WithDefaultCas).getCACertificates?.('default') ?? tls.rootCertificates;
}

/**
 * Options for tls.connect: the server's certificate must chain to a trusted root and name the host
 * connected to. Both are Node's defaults, set here explicitly because cassandra-driver turns
 * certificate verification off unless told otherwise.
 */
export function tlsOptionsOf(config: TlsConfig): tls.ConnectionOptions {
  return {
    rejectUnauthorized: true,
    checkServerIdentity: tls.checkServerIdentity,
    ...(config.ca === null ? {} : { ca: [...defaultRoots(), config.ca] }),
    ...(config.clientCertificate === null ? {} : { cert: config.clientCertificate.cert, key: config.clientCertificate.key }),
  };
}
