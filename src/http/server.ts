import { createHash, timingSafeEqual } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import type { Registry } from 'prom-client';
import type { HttpOptions } from './options';
import { Api, type ApiResponse } from './api';
import { livenessOf, readinessOf, type Check } from './health';
import type { ServedJob } from './job';
import { isLoopback, isLoopbackHostHeader } from './loopback';
import { createRegistry } from './prometheus';

interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The dashboard's files: its own, which the build copies from src/http/dashboard beside this module
 * (plain files, nothing to compile; an installed package has no src/), served as /assets/NAME and
 * index.html as /, and the chart library from the installed uplot package. Read once at start;
 * nothing is fetched from elsewhere.
 */
function loadAssets(): Map<string, Asset> {
  const folder = join(__dirname, 'dashboard');
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(folder)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type !== undefined) assets.set(name === 'index.html' ? '/' : `/assets/${name}`, { type, body: readFileSync(join(folder, name)) });
  }
  const uplot = (name: string) => readFileSync(require.resolve(`uplot/dist/${name}`));
  assets.set('/assets/uPlot.iife.min.js', { type: CONTENT_TYPES['.js'], body: uplot('uPlot.iife.min.js') });
  assets.set('/assets/uPlot.min.css', { type: CONTENT_TYPES['.css'], body: uplot('uPlot.min.css') });
  return assets;
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  // Only this server's own files and API; no frames, no inline script.
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

const digestOf = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * The job's HTTP endpoints, served from the main thread: /metrics, /healthz, /readyz, /api/* and the
 * dashboard. Every answer reads what the engine already counts, when asked; nothing runs per event.
 */
export class JobHttpServer {
  private constructor(
    private readonly server: Server,
    private readonly api: Api,
    /** The address it listens on, e.g. http://127.0.0.1:8080/ (the port the system chose for port 0). */
    readonly url: string,
  ) {}

  static async start(options: HttpOptions, job: ServedJob): Promise<JobHttpServer> {
    const assets = loadAssets();
    const registry = createRegistry(job);
    const api = new Api(job);
    const tokenDigest = options.token === null ? null : digestOf(options.token);
    const context: Context = { job, assets, registry, api, tokenDigest, loopbackPort: null };
    const server = createServer((request, response) => {
      route(request, response, context).catch((error: unknown) => {
        if (!response.headersSent) send(response, 500, { error: error instanceof Error ? error.message : String(error) });
        else response.destroy();
      });
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { address, port } = server.address() as AddressInfo;
    // Without a token the API answers this machine only: requests addressed to it by a loopback name.
    if (tokenDigest === null && isLoopback(address)) context.loopbackPort = port;
    const host = address.includes(':') ? `[${address}]` : address;
    return new JobHttpServer(server, api, `http://${host}:${port}/`);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await Promise.all([closed, this.api.close()]);
  }
}

interface Context {
  readonly job: ServedJob;
  readonly assets: ReadonlyMap<string, Asset>;
  readonly registry: Registry;
  readonly api: Api;
  readonly tokenDigest: Buffer | null;
  /** Without a token, on loopback: the port a request's Host header must name with a loopback name (DNS rebinding). */
  loopbackPort: number | null;
}

async function route(request: IncomingMessage, response: ServerResponse, context: Context): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const path = url.pathname;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(response, 405, { error: `${request.method} is not allowed; every endpoint answers GET` }, { Allow: 'GET, HEAD' });
    return;
  }
  if (path === '/metrics') {
    const text = await context.registry.metrics();
    response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': context.registry.contentType });
    response.end(text);
    return;
  }
  if (path === '/healthz') return sendCheck(response, livenessOf(context.job));
  if (path === '/readyz') return sendCheck(response, readinessOf(context.job));
  if (path.startsWith('/api/')) {
    // Client data: with a token, only for who holds it; without one, only for pages of this machine.
    if (context.loopbackPort !== null && !isLoopbackHostHeader(request.headers.host, context.loopbackPort)) {
      const error = `this API answers only requests addressed to this machine (Host localhost, 127.0.0.1 or [::1] with port ${context.loopbackPort}), not to ${JSON.stringify(request.headers.host ?? '')}; to serve other names, give --http-token`;
      send(response, 403, { error });
      return;
    }
    if (!authorized(request, context.tokenDigest)) {
      send(response, 401, { error: 'this API needs the header "Authorization: Bearer <token>" with the job\'s --http-token' }, {
        'WWW-Authenticate': 'Bearer realm="clickstream"',
      });
      return;
    }
    const answer: ApiResponse = await context.api.handle(path, url.searchParams);
    send(response, answer.status, answer.body, answer.headers);
    return;
  }
  const asset = context.assets.get(path === '/index.html' ? '/' : path);
  if (asset === undefined) {
    send(response, 404, { error: `not found: ${path}` });
    return;
  }
  response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': asset.type, 'Content-Length': asset.body.length });
  response.end(asset.body);
}

/** Compares digests of equal length in constant time, so the time taken tells nothing about the token. */
function authorized(request: IncomingMessage, tokenDigest: Buffer | null): boolean {
  if (tokenDigest === null) return true;
  const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '');
  return timingSafeEqual(digestOf(match?.[1] ?? ''), tokenDigest) && match !== null;
}

function sendCheck(response: ServerResponse, check: Check): void {
  send(response, check.ok ? 200 : 503, { status: check.ok ? 'ok' : 'unavailable', checks: check.checks, failure: check.failure });
}

function send(response: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}
