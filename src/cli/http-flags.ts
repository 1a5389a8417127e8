import { FlagError, secretFlag, type FlagDefinition, type RawFlags } from './flag-parser';
import { isLoopback } from '../http/loopback';
import type { HttpOptions } from '../http/options';

/**
 * The shortest token taken: long enough that guessing it over HTTP is hopeless (16 random characters
 * of hex already hold 64 bits), and an empty or blank one, which no request could present, is refused.
 */
export const MIN_TOKEN_LENGTH = 16;

export const HTTP_FLAGS: readonly FlagDefinition[] = [
  {
    name: 'http',
    value: 'HOST:PORT',
    help: 'serve /metrics, /healthz, /readyz, /api/* and a dashboard at / (off by default; port 0 picks one)',
  },
  {
    name: 'http-token',
    value: 'TOKEN',
    help: `every /api/* request needs "Authorization: Bearer TOKEN" (at least ${MIN_TOKEN_LENGTH} characters); required to bind beyond loopback`,
    secret: true,
  },
  { name: 'http-token-file', value: 'PATH', help: '--http-token from this file (one line)' },
];

/** A token a request can present in its Authorization header, long enough not to be guessed; the message never shows it. */
function checkedToken(token: string): string {
  if (!/^[\x21-\x7e]*$/.test(token)) {
    throw new FlagError('--http-token must be printable ASCII without spaces: it travels in the header "Authorization: Bearer TOKEN"');
  }
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new FlagError(
      `--http-token must be at least ${MIN_TOKEN_LENGTH} characters, not ${token.length} (e.g. the output of: openssl rand -hex 16)`,
    );
  }
  return token;
}

export function httpOptionsOf(flags: RawFlags): HttpOptions | null {
  const address = flags.get('http');
  const given = secretFlag(flags, 'http-token');
  if (typeof address !== 'string') {
    if (given !== undefined) throw new FlagError('--http-token needs --http HOST:PORT');
    return null;
  }
  const token = given === undefined ? null : checkedToken(given);
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
