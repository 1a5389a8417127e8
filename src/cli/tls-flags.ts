import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { FlagError, type FlagDefinition, type RawFlags } from './flag-parser';
import type { TlsConfig } from '../tls/tls-config';

/** The TLS flags of one kind of server: `--kafka-tls`, `--kafka-ca`, `--kafka-cert`, `--kafka-key` (and the same for cassandra). */
export function tlsFlagsOf(prefix: 'kafka' | 'cassandra', server: string): FlagDefinition[] {
  return [
    { name: `${prefix}-tls`, value: null, help: `connect to ${server} with TLS, verifying its certificate and host name` },
    { name: `${prefix}-ca`, value: 'PATH', help: `PEM CA certificate(s) to trust for ${server} besides the system's (implies --${prefix}-tls)` },
    { name: `${prefix}-cert`, value: 'PATH', help: `PEM client certificate for mutual TLS with ${server} (with --${prefix}-key)` },
    { name: `${prefix}-key`, value: 'PATH', help: `PEM private key of --${prefix}-cert, unencrypted (never printed)` },
  ];
}

/**
 * TLS from the flags, or null without it. A CA or a client certificate implies TLS: neither means
 * anything over a plaintext connection, and a flag that silently did nothing would be worse. Every
 * file is read and checked here, so a bad one stops the command before anything connects.
 */
export function tlsConfigOf(flags: RawFlags, prefix: 'kafka' | 'cassandra'): TlsConfig | null {
  const path = (suffix: string): string | undefined => {
    const value = flags.get(`${prefix}-${suffix}`);
    return typeof value === 'string' ? value : undefined;
  };
  const [caPath, certPath, keyPath] = [path('ca'), path('cert'), path('key')];
  if ((certPath === undefined) !== (keyPath === undefined)) throw new FlagError(`--${prefix}-cert and --${prefix}-key go together`);
  if (!flags.has(`${prefix}-tls`) && caPath === undefined && certPath === undefined) return null;
  return {
    ca: caPath === undefined ? null : certificatesIn(`${prefix}-ca`, caPath).join('\n'),
    clientCertificate:
      certPath === undefined || keyPath === undefined ? null : clientCertificateOf(prefix, certPath, keyPath),
  };
}

function readText(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new FlagError(`--${flag}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The PEM certificates of a file, each checked to parse; anything else in the file (comments) is ignored. */
function certificatesIn(flag: string, path: string): string[] {
  const blocks = readText(flag, path).match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) throw new FlagError(`--${flag}: ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch {
      throw new FlagError(`--${flag}: certificate ${i + 1} in ${path} is not a valid X.509 certificate`);
    }
  });
  return blocks;
}

/** The key file's text once it is known to hold an unencrypted private key; errors never quote it. */
function privateKeyIn(flag: string, path: string): { pem: string; key: KeyObject } {
  const pem = readText(flag, path);
  try {
    return { pem, key: createPrivateKey(pem) };
  } catch {
    if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
      throw new FlagError(`--${flag}: ${path} is encrypted; give the key unencrypted (e.g. openssl pkey -in KEY -out PLAIN-KEY), readable only by this user`);
    }
    throw new FlagError(`--${flag}: ${path} holds no PEM private key`);
  }
}

/** The certificate chain and its key, checked to belong together. */
function clientCertificateOf(prefix: string, certPath: string, keyPath: string): { cert: string; key: string } {
  const chain = certificatesIn(`${prefix}-cert`, certPath);
  const { pem, key } = privateKeyIn(`${prefix}-key`, keyPath);
  if (!new X509Certificate(chain[0]).checkPrivateKey(key)) {
    throw new FlagError(`--${prefix}-key: ${keyPath} is not the private key of the certificate in --${prefix}-cert ${certPath}`);
  }
  return { cert: chain.join('\n'), key: pem };
}
