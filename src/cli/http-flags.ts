import { isIP } from 'node:net';
import { FlagError, secretFlag, type FlagDefinition, type RawFlags } from './flag-parser';
import type { HttpOptions } from '../http/options';

export const HTTP_FLAGS: readonly FlagDefinition[] = [
  {
    name: 'http',
    value: 'HOST:PORT',
    help: 'serve /metrics, /healthz, /readyz, /api/* and a dashboard at / (off by default; port 0 picks one)',
  },
  {
    name: 'http-token',
    value: 'TOKEN',
    help: 'every /api/* request needs "Authorization: Bearer TOKEN"; required to bind beyond loopback',
    secret: true,
  },
];

/** Loopback names and addresses: only this machine can connect. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

export function httpOptionsOf(flags: RawFlags): HttpOptions | null {
  const address = flags.get('http');
  const token = secretFlag(flags, 'http-token') ?? null;
  if (typeof address !== 'string') {
    if (token !== null) throw new FlagError('--http-token needs --http HOST:PORT');
    return null;
  }
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(address);
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || port > 65_535) {
    throw new FlagError(`--http must be HOST:PORT (e.g. 127.0.0.1:8080, [::1]:8080), not "${address}"`);
  }
  const host = match[1] ?? match[2];
  // The API and the dashboard tell what clients browsed: never open to the network by accident.
  if (!isLoopback(host) && token === null) {
    throw new FlagError(
      `--http ${address} would serve what clients browsed beyond this machine: give --http-token (or CLICKSTREAM_HTTP_TOKEN), or bind 127.0.0.1`,
    );
  }
  return { host, port, token };
}
