import type { Client } from 'cassandra-driver';
import { type RetryPolicy, withRetry } from './retry';
import { CASSANDRA_TABLES, CASSANDRA_TABLE_NAMES, type CassandraTable, createKeyspaceCql, createTableCql, metadataNameOf } from './schema';

/** Metadata#checkSchemaAgreement is documented by the driver but missing from its typings. */
interface SchemaAgreement {
  checkSchemaAgreement(): Promise<boolean>;
}

/** Creates the keyspace and tables if absent and checks existing ones have our columns. */
export async function createSchema(client: Client, keyspace: string, retry: RetryPolicy): Promise<void> {
  const ddl = [createKeyspaceCql(keyspace), ...CASSANDRA_TABLE_NAMES.map((table) => createTableCql(keyspace, table))];
  for (const statement of ddl) {
    // The driver waits for schema agreement after each change before it resolves.
    await withRetry(`creating the schema of keyspace ${keyspace}`, () => client.execute(statement, [], { prepare: false }), retry);
  }
  if (!(await (client.metadata as unknown as SchemaAgreement).checkSchemaAgreement())) {
    throw new Error(`Cassandra nodes do not agree on the schema of keyspace ${keyspace}; try again once they do`);
  }
  for (const table of CASSANDRA_TABLE_NAMES) await assertTableHasColumns(client, keyspace, table);
}

const COLUMNS_OF_TABLE = 'SELECT column_name FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?';

/**
 * CREATE TABLE IF NOT EXISTS keeps a table of another design: say so now, not on the first write. The
 * columns are read from system_schema, not the driver's metadata cache: when another instance created
 * the table a moment ago, our statement changed nothing and the cache may not have heard of it yet.
 */
async function assertTableHasColumns(client: Client, keyspace: string, table: CassandraTable): Promise<void> {
  const result = await client.execute(COLUMNS_OF_TABLE, [metadataNameOf(keyspace), table], { prepare: true });
  const present = new Set(result.rows.map((row) => row.get('column_name') as string));
  const missing = Object.keys(CASSANDRA_TABLES[table].columns).filter((column) => !present.has(column));
  if (missing.length > 0) {
    throw new Error(`table ${keyspace}.${table} exists without column(s) ${missing.join(', ')}: it has another design; use another keyspace`);
  }
}
