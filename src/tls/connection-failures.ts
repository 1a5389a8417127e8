/**
 * Why a connection to a server failed, in words a user can act on. Node reports TLS and socket
 * failures by code (OpenSSL's verification results, `ERR_SSL_*` for alerts and records, errno names);
 * kafkajs and cassandra-driver pass them on with messages like "self-signed certificate in certificate
 * chain" or "read ECONNRESET", which name neither the cause nor the remedy.
 */

/** How the client was set up, for the remedy: the flag prefix (`kafka`, `cassandra`) and whether it spoke TLS. */
export interface ConnectionSetup {
  readonly prefix: 'kafka' | 'cassandra';
  readonly tls: boolean;
}

/** OpenSSL's verification results for a certificate that does not chain to a trusted root. */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** TLS alerts by which a server turns down the client's certificate. */
const CLIENT_CERTIFICATE_REFUSED = new Set([
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
]);

/** Record-layer errors of a TLS client that received something other than TLS. */
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_UNKNOWN_PROTOCOL', 'ERR_SSL_RECORD_LAYER_FAILURE']);

interface CodedError {
  readonly code?: unknown;
  /** OpenSSL's own words, without its error-queue prefix. */
  readonly reason?: unknown;
  readonly message: string;
}

function wordsOf(error: CodedError): string {
  return typeof error.reason === 'string' ? error.reason : error.message.trim();
}

/**
 * What a connection failure means, e.g. "its certificate is not signed by a CA trusted here …", or
 * null when the error is not one of these (the caller keeps the driver's message).
 */
export function connectionFailureOf(error: CodedError, { prefix, tls }: ConnectionSetup): string | null {
  const code = typeof error.code === 'string' ? error.code : '';
  const words = wordsOf(error);
  if (UNTRUSTED.has(code)) {
    return `its TLS certificate is not signed by a CA trusted here (${words}); give the CA that signed it with --${prefix}-ca PATH`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `its TLS certificate is not for this host (${words})`;
  if (code === 'CERT_HAS_EXPIRED') return 'its TLS certificate has expired';
  if (code === 'CERT_NOT_YET_VALID') return 'its TLS certificate is not valid yet (is this clock right?)';
  if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED') return `it wants a client certificate (${words}): give --${prefix}-cert and --${prefix}-key`;
  if (code === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE') {
    return `the TLS handshake failed (${words}); if it wants a client certificate, give --${prefix}-cert and --${prefix}-key`;
  }
  if (CLIENT_CERTIFICATE_REFUSED.has(code)) return `it refused the client certificate of --${prefix}-cert (${words})`;
  if (NOT_TLS.has(code)) return `it does not speak TLS on this port (${words}): connect to its TLS port, or without TLS`;
  if (code === 'ECONNREFUSED') return 'nothing listens there (connection refused)';
  if (code !== 'ECONNRESET') return null;
  if (!tls) return `it closed the connection at once (${words}): if this port wants TLS, give --${prefix}-tls (and --${prefix}-ca for a private CA)`;
  // Node's words for a reset before the handshake completed; a reset after it is no TLS matter.
  if (/before secure TLS connection/.test(words)) {
    return `it closed the connection during the TLS handshake (${words}): is this a plaintext port? then connect without TLS`;
  }
  return null;
}
