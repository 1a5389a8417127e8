import { isIP } from 'node:net';

/** Loopback names and addresses: only this machine can connect. */
export function isLoopback(host: string): boolean {
  if (host.toLowerCase() === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * Whether a request's Host header names this machine's loopback at the server's port: `localhost`,
 * `127.x.x.x` or `[::1]`, with the port (which a browser leaves out only for port 80). A page on
 * another site that rebinds its DNS name to 127.0.0.1 can make the operator's browser send requests
 * here, but they carry that site's name as Host; refusing those keeps the API from answering it.
 */
export function isLoopbackHostHeader(header: string | undefined, port: number): boolean {
  if (header === undefined) return false;
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+))(?::(\d{1,5}))?$/.exec(header);
  if (match === null) return false;
  const host = match[1] ?? match[2];
  const given = match[3] === undefined ? 80 : Number(match[3]);
  return given === port && (match[1] !== undefined ? host === '::1' : host !== '::1' && isLoopback(host));
}
