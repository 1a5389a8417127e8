import { type Client, type QueryOptions, types } from 'cassandra-driver';
import type { Statement } from './row-batches';

/**
 * Unlogged batches of prepared statements whose values are already in wire form, encoded in one pass
 * into one buffer. `client.batch` does the same work through an await and about ten small buffers a
 * statement, then concatenates them: about 2 µs a row against 0.35 µs here, on the cores the node
 * needs (docs/performance-log.md, 2026-12-06). Everything else is the driver's own: its batch request
 * (this is one, with another `write`), prepared-statement cache, routing, request handler, timeouts,
 * reconnection and re-preparing on UNPREPARED. The only file that reaches into cassandra-driver's
 * internals, which is why package.json pins its version; the integration tests send every kind of
 * batch the sink writes through it, and compare its frame with the driver's own, byte for byte.
 */

/** What the driver keeps of a prepared statement. */
interface Prepared {
  readonly queryId: Buffer;
  readonly meta: unknown;
}

/** The parts of the driver's ExecutionOptions a batch frame reads. */
interface ExecutionOptions {
  getConsistency(): number;
  getSerialConsistency(): number | undefined;
  getOrGenerateTimestamp(): types.Long | null | undefined;
  getKeyspace(): string | undefined;
  getCustomPayload(): unknown;
  isQueryTracing(): boolean;
  getLoadBalancingPolicy(): unknown;
}

interface DriverRequest {
  length: number;
}

interface Encoder {
  readonly protocolVersion: number;
}

// The driver's internals have no typings: each is declared as far as it is used.
const { BatchRequest } = require('cassandra-driver/lib/requests') as {
  BatchRequest: new (queries: readonly unknown[], options: ExecutionOptions) => DriverRequest & { readonly options: ExecutionOptions };
};
const { DefaultExecutionOptions } = require('cassandra-driver/lib/execution-options') as {
  DefaultExecutionOptions: { create(options: QueryOptions, client: Client): ExecutionOptions };
};
const RequestHandler = require('cassandra-driver/lib/request-handler') as {
  send(request: DriverRequest, options: ExecutionOptions, client: Client): Promise<types.ResultSet>;
};
const internalTypes = require('cassandra-driver/lib/types') as {
  protocolVersion: { supportsTimestamp(version: number): boolean; uses4BytesQueryFlags(version: number): boolean };
  FrameHeader: new (version: number, flags: number, streamId: number, opcode: number, bodyLength: number) => { toBuffer(): Buffer };
  opcodes: { readonly batch: number };
};
const PrepareHandler = require('cassandra-driver/lib/prepare-handler') as {
  getPrepared(client: Client, loadBalancing: unknown, query: string, keyspace: string | undefined): Promise<Prepared>;
};

interface ClientInternals {
  readonly keyspace: string | undefined;
  /** Sets the routing key (the token-aware policy's replica choice) from the first statement, as client.batch does. */
  _setRoutingInfo(options: ExecutionOptions, params: readonly unknown[], meta: unknown): Promise<void>;
}

/** Native protocol BATCH: kind 1 (unlogged); statement kind 1 (prepared); flags. */
const UNLOGGED = 1;
const PREPARED = 1;
const WITH_SERIAL_CONSISTENCY = 0x10;
const WITH_DEFAULT_TIMESTAMP = 0x20;
const HEADER_BYTES = 9;

/** The driver's batch request for these statements, with a `write` that encodes their values as they are. */
export class EncodedBatch extends BatchRequest {
  constructor(
    private readonly statements: readonly Statement[],
    private readonly prepared: ReadonlyMap<string, Prepared>,
    options: ExecutionOptions,
  ) {
    super(statements, options);
  }

  /** The frame: the header, then the body as the protocol (v3 and later) lays it out. */
  write(encoder: Encoder, streamId: number): Buffer {
    const version = encoder.protocolVersion;
    const { options } = this;
    if (!internalTypes.protocolVersion.supportsTimestamp(version) || options.isQueryTracing() || options.getCustomPayload()) {
      throw new Error(`an encoded batch needs protocol v3 or later without tracing or a custom payload (protocol ${version})`);
    }
    const serial = options.getSerialConsistency();
    const timestamp = options.getOrGenerateTimestamp();
    const flags = (serial ? WITH_SERIAL_CONSISTENCY : 0) | (timestamp ? WITH_DEFAULT_TIMESTAMP : 0);
    const flagBytes = internalTypes.protocolVersion.uses4BytesQueryFlags(version) ? 4 : 1;
    const statementBytes = this.writeStatements();
    const length = 3 + statementBytes + 2 + flagBytes + (serial ? 2 : 0) + (timestamp ? 8 : 0);
    const frame = Buffer.allocUnsafe(HEADER_BYTES + length);
    new internalTypes.FrameHeader(version, 0, streamId, internalTypes.opcodes.batch, length).toBuffer().copy(frame);
    let at = frame.writeUInt8(UNLOGGED, HEADER_BYTES);
    at = frame.writeUInt16BE(this.statements.length, at);
    frame.set(scratch.subarray(0, statementBytes), at);
    at += statementBytes;
    at = frame.writeUInt16BE(options.getConsistency(), at);
    at = flagBytes === 4 ? frame.writeInt32BE(flags, at) : frame.writeUInt8(flags, at);
    if (serial) at = frame.writeUInt16BE(serial, at);
    if (timestamp) {
      at = frame.writeInt32BE(timestamp.getHighBits(), at);
      frame.writeInt32BE(timestamp.getLowBits(), at);
    }
    this.length = length;
    return frame;
  }

  /** A retry's copy (the handler clones a request before changing its consistency). */
  clone(): EncodedBatch {
    return new EncodedBatch(this.statements, this.prepared, this.options);
  }

  /** The statements into `scratch`, each value as its length and bytes, in one pass; returns their length. */
  private writeStatements(): number {
    let at = 0;
    for (const { query, params } of this.statements) {
      const id = this.idOf(query);
      at = reserve(at, 5 + id.length);
      at = scratch.writeUInt8(PREPARED, at);
      at = scratch.writeUInt16BE(id.length, at);
      at = put(id, at);
      at = scratch.writeUInt16BE(params.length, at);
      for (const param of params) {
        const value = valueOf(param);
        at = reserve(at, 4 + value.length);
        at = scratch.writeInt32BE(value.length, at);
        at = put(value, at);
      }
    }
    return at;
  }

  private idOf(query: string): Buffer {
    return this.prepared.get(query)!.queryId;
  }
}

/**
 * Where statements are encoded before the frame is cut to their size: one per thread, grown to the
 * largest batch (BATCH_BYTES and its framing), since `write` runs to its end before anything else.
 */
let scratch = Buffer.allocUnsafe(64 * 1024);

/** Grows `scratch`, keeping its first `used` bytes, so that `more` bytes fit after them; returns `used`. */
function reserve(used: number, more: number): number {
  if (used + more > scratch.length) {
    const grown = Buffer.allocUnsafe(Math.max(2 * scratch.length, used + more));
    scratch.copy(grown, 0, 0, used);
    scratch = grown;
  }
  return used;
}

/** Copies `value` into `scratch` at `at`; most values are a few bytes, which a loop moves faster than a native copy. */
function put(value: Buffer, at: number): number {
  const length = value.length;
  if (length > 32) scratch.set(value, at);
  else for (let i = 0; i < length; i++) scratch[at + i] = value[i];
  return at + length;
}

function valueOf(param: unknown): Buffer {
  if (!Buffer.isBuffer(param)) throw new TypeError('a value of an encoded batch must be in wire form (a Buffer)');
  return param;
}

/**
 * Sends `statements` (prepared, every value a Buffer, all of one partition) as one unlogged batch, as
 * `client.batch(statements, options)` would; resolves once the node acknowledged it.
 */
export async function sendEncodedBatch(client: Client, statements: readonly Statement[], options: QueryOptions): Promise<types.ResultSet> {
  const execution = DefaultExecutionOptions.create({ ...options, prepare: true, logged: false }, client);
  const internals = client as unknown as ClientInternals;
  const prepared = new Map<string, Prepared>();
  for (const { query } of statements) {
    if (!prepared.has(query)) {
      prepared.set(query, await PrepareHandler.getPrepared(client, execution.getLoadBalancingPolicy(), query, internals.keyspace));
    }
  }
  await internals._setRoutingInfo(execution, statements[0].params, prepared.get(statements[0].query)!.meta);
  return RequestHandler.send(new EncodedBatch(statements, prepared, execution), execution, client);
}
