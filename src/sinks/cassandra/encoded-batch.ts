import { type Client, type QueryOptions, types } from 'cassandra-driver';
import type { EncodedRows, PreparedIds } from './statement-bytes';

/**
 * Sends batches whose statements are already encoded (statement-bytes.ts). `client.batch` encodes
 * each statement through an await and about ten small buffers, then concatenates them: about 2 µs a
 * row, on the cores the node needs (docs/performance-log.md, 2026-12-06). Everything else is the
 * driver's own: its batch request (this is one, with another `write`), prepared statements, routing,
 * request handler, timeouts, reconnection and re-preparing on UNPREPARED (a statement's id is the
 * same once prepared again). The only file that reaches into cassandra-driver's internals, which is
 * why package.json pins its version; the integration tests send every batch the sink writes through
 * it, and compare its frame with the driver's own for the same statements, byte for byte.
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

/** Native protocol BATCH: kind 1 (unlogged); flags. */
const UNLOGGED = 1;
const WITH_SERIAL_CONSISTENCY = 0x10;
const WITH_DEFAULT_TIMESTAMP = 0x20;
const HEADER_BYTES = 9;

/** The driver's batch request for encoded statements, with a `write` that frames them. */
export class EncodedBatch extends BatchRequest {
  constructor(
    private readonly rows: EncodedRows,
    options: ExecutionOptions,
  ) {
    super([rows.route], options);
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
    const { statements, count } = this.rows;
    const length = 3 + statements.length + 2 + flagBytes + (serial ? 2 : 0) + (timestamp ? 8 : 0);
    const frame = Buffer.allocUnsafe(HEADER_BYTES + length);
    new internalTypes.FrameHeader(version, 0, streamId, internalTypes.opcodes.batch, length).toBuffer().copy(frame);
    let at = frame.writeUInt8(UNLOGGED, HEADER_BYTES);
    at = frame.writeUInt16BE(count, at);
    frame.set(statements, at);
    at = frame.writeUInt16BE(options.getConsistency(), at + statements.length);
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
    return new EncodedBatch(this.rows, this.options);
  }
}

/** Prepares `queries` (once each, through the driver's cache) and returns their ids. */
export async function preparedIds(client: Client, queries: readonly string[]): Promise<PreparedIds> {
  const execution = DefaultExecutionOptions.create({ prepare: true }, client);
  const keyspace = (client as unknown as ClientInternals).keyspace;
  const ids = new Map<string, Buffer>();
  for (const query of queries) ids.set(query, (await PrepareHandler.getPrepared(client, execution.getLoadBalancingPolicy(), query, keyspace)).queryId);
  return ids;
}

/**
 * Sends `rows` (one partition's row inserts, prepared with preparedIds) as one unlogged batch, routed
 * by the partition's key as client.batch routes; resolves once the node acknowledged it.
 */
export async function sendEncodedBatch(client: Client, rows: EncodedRows, options: QueryOptions): Promise<types.ResultSet> {
  const execution = DefaultExecutionOptions.create({ ...options, prepare: true, logged: false }, client);
  const internals = client as unknown as ClientInternals;
  const { query, params } = rows.route;
  const { meta } = await PrepareHandler.getPrepared(client, execution.getLoadBalancingPolicy(), query, internals.keyspace);
  await internals._setRoutingInfo(execution, params, meta);
  return RequestHandler.send(new EncodedBatch(rows, execution), execution, client);
}
