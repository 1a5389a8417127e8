import { isIP } from 'node:net';
import { type ConnectionOptions, type PeerCertificate, checkServerIdentity } from 'node:tls';
import { tlsOptionsOf, type TlsConfig } from '../../tls/tls-config';

/**
 * cassandra-driver verifies nothing unless told (it defaults rejectUnauthorized to false), and connects
 * to the IP addresses it resolved or found in system.peers, never to a host name. So a node's
 * certificate must name the address connected to, or one of the host names given in --cassandra.
 */
export function cassandraTlsOptionsOf(tls: TlsConfig, contactPoints: readonly string[]): ConnectionOptions {
  const names = contactPoints.map((point) => point.replace(/:\d+$/, '')).filter((host) => isIP(host) === 0);
  return {
    ...tlsOptionsOf(tls),
    checkServerIdentity: (address: string, certificate: PeerCertificate) => {
      const mismatch = checkServerIdentity(address, certificate);
      if (mismatch === undefined || names.some((name) => checkServerIdentity(name, certificate) === undefined)) return undefined;
      return mismatch;
    },
  };
}
