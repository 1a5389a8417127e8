import { MAX_N, noteOf, recommend, type RecommendQuery } from '../recommender/recommend';
import { DetailCache } from '../sinks/detail-cache';
import { openStore } from '../sinks/open-store';
import { MissingStoreError, type StoreChoice, type StoreReader } from '../sinks/store';
import type { ServedJob } from './job';
import { History, SAMPLE_EVERY_MS } from './history';
import { Ring } from './ring';
import { statsOf } from './stats';

/** An answer of the API: status, JSON body, and headers beyond the content type. */
export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A bad request: names the parameter and says why. */
class BadParameter extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

const MAX_FIELD_BYTES = 1024;
const DEFAULT_WINDOWS = 10;
const MAX_WINDOWS = 100;
/** Top pages of each topic shown per window. */
const PAGES_PER_TOPIC = 5;
/** Latencies the dashboard plots at most. */
const RECENT_LATENCIES = 300;

/** Query parameters, each at most once, none unknown. */
function parametersOf(query: URLSearchParams, allowed: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const [name, value] of query) {
    if (!allowed.includes(name)) throw new BadParameter(name, `unknown parameter "${name}" (allowed: ${allowed.join(', ')})`);
    if (values.has(name)) throw new BadParameter(name, `${name} is given twice`);
    values.set(name, value);
  }
  return values;
}

/** A client_id or topic as events carry them: non-empty, at most 1024 bytes of UTF-8, as given. */
function fieldOf(values: Map<string, string>, name: string, what: string): string {
  const value = values.get(name);
  if (value === undefined || value === '') throw new BadParameter(name, `${name} is required: ${what}`);
  if (Buffer.byteLength(value) > MAX_FIELD_BYTES) throw new BadParameter(name, `${name} must be at most ${MAX_FIELD_BYTES} bytes of UTF-8`);
  return value;
}

function integerOf(values: Map<string, string>, name: string, min: number, max: number, fallback?: number): number {
  const text = values.get(name);
  if (text === undefined && fallback !== undefined) return fallback;
  if (text === undefined) throw new BadParameter(name, `${name} is required: an integer from ${min} to ${max}`);
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new BadParameter(name, `${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(text)}`);
  }
  return value;
}

/** The request for the store of a job whose sink keeps none: there is nothing to read. */
function noStore(job: ServedJob): ApiResponse {
  return {
    status: 501,
    body: { error: `this job's sink (${job.description.sink}) keeps no tables to read; run it with --sink sqlite:PATH or --sink cassandra` },
  };
}

/**
 * The API under /api: the recommender over the job's own store, the latest windows, and the counters
 * the dashboard plots. Store reads happen only on request and never on the engine's path.
 */
export class Api {
  private readonly recentLatencies = new Ring<readonly [time: number, ms: number]>(RECENT_LATENCIES);
  private readonly history: History;
  /** CPU time counts from here, as process_cpu_seconds_total does from the registry's making, just before. */
  private readonly cpuSince = process.cpuUsage();
  private readonly details = new DetailCache();
  /** Cassandra's client is kept between requests; a SQLite file is opened per request, for a fresh snapshot. */
  private cassandraStore: StoreReader | null = null;

  constructor(private readonly job: ServedJob) {
    job.metrics.on('latencyRecorded', (ms) => this.recentLatencies.push([Date.now(), Math.round(ms)]));
    this.history = new History(job);
    this.history.start();
  }

  async handle(path: string, query: URLSearchParams): Promise<ApiResponse> {
    try {
      switch (path) {
        case '/api/stats':
          parametersOf(query, []);
          return { status: 200, body: statsOf(this.job, this.history, this.recentLatencies.toArray(), this.cpuSince) };
        case '/api/history':
          return { status: 200, body: this.historySince(query) };
        case '/api/recommendations':
          return await this.recommendations(query);
        case '/api/windows':
          return await this.windows(query);
        default:
          return { status: 404, body: { error: `no such endpoint: ${path}` } };
      }
    } catch (error) {
      if (error instanceof BadParameter) return { status: 400, body: { error: error.message, parameter: error.parameter } };
      if (error instanceof MissingStoreError) return { status: 503, body: { error: `the store is not there yet: ${error.message}` } };
      throw error;
    }
  }

  async close(): Promise<void> {
    this.history.stop();
    await this.cassandraStore?.close();
  }

  /** The samples after `since` (Unix ms; all of them without it), as columns for the charts. */
  private historySince(query: URLSearchParams): Record<string, unknown> {
    const since = integerOf(parametersOf(query, ['since']), 'since', 0, Number.MAX_SAFE_INTEGER, 0);
    return { intervalMs: SAMPLE_EVERY_MS, samples: this.history.since(since) };
  }

  /** The recommender's answer for the job's store, exactly as `clickstream-recommend --json` prints it. */
  private async recommendations(query: URLSearchParams): Promise<ApiResponse> {
    const values = parametersOf(query, ['client', 'topic', 'n']);
    const request: RecommendQuery = {
      clientId: fieldOf(values, 'client', 'the client_id to recommend pages to'),
      topic: fieldOf(values, 'topic', 'the topic to rank pages of'),
      n: integerOf(values, 'n', 1, MAX_N),
    };
    const choice = this.job.store;
    if (choice === null) return noStore(this.job);
    return this.reading(choice, async (store): Promise<ApiResponse> => {
      const result = await recommend(store, request);
      const note = await noteOf(store, request, result, "the job's store");
      // The note, as the CLI prints it on stderr but naming no path of the server, rides in a header
      // (percent-encoded: topics may be any text).
      return { status: 200, body: result.pages, headers: note === null ? {} : { 'Clickstream-Note': encodeURIComponent(note) } };
    });
  }

  /** Runs `read` on the job's store: a fresh SQLite snapshot per request, Cassandra's one client for all. */
  private async reading(choice: StoreChoice, read: (store: StoreReader) => Promise<ApiResponse>): Promise<ApiResponse> {
    if (choice.kind === 'cassandra') return read((this.cassandraStore ??= openStore(choice, { details: this.details })));
    const store = openStore(choice, { details: this.details });
    try {
      return await read(store);
    } finally {
      await store.close();
    }
  }

  private async windows(query: URLSearchParams): Promise<ApiResponse> {
    const values = parametersOf(query, ['limit']);
    const limit = integerOf(values, 'limit', 1, MAX_WINDOWS, DEFAULT_WINDOWS);
    const choice = this.job.store;
    if (choice === null) return noStore(this.job);
    try {
      return await this.reading(choice, async (store) => ({ status: 200, body: { windows: await store.latestWindows(limit, PAGES_PER_TOPIC) } }));
    } catch (error) {
      // The job's SQLite file appears when its sink opens: until then there is no window to list.
      if (error instanceof MissingStoreError) return { status: 200, body: { windows: [] } };
      throw error;
    }
  }
}
