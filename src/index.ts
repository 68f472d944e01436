/** Starts the HTTP server: reads the config, loads and validates the data, listens, shuts down cleanly. */
// First: sets NODE_ENV before graphql is loaded by the imports below.
import './node-env.js';
import { CuratorTokens } from './plugins/auth.js';
import { ConfigError, readConfig, type Config } from './config.js';
import { DataValidationError } from './kb/load.js';
import { createLogger, type Logger } from './logging.js';
import { loadPersistedDocuments } from './plugins/persisted-documents.js';
import { schema } from './schema/index.js';
import { createHttpServer } from './http/listener.js';
import { KnowledgeStore } from './store/knowledge-store.js';
import { createNewsgraph, type ServerOptions } from './server.js';
import { PostgresKnowledge } from './store/postgres/database.js';
import { PostgresStoreError } from './store/postgres/errors.js';
import { PostgresReader } from './store/postgres/reader.js';

/** The knowledge base this server reads: the data folder (the default), or a PostgreSQL database when DATABASE_URL is set. */
async function openKnowledge(config: Config, logger: Logger): Promise<{ options: Pick<ServerOptions, 'store' | 'database'>; describe: () => Promise<Record<string, unknown>>; close: () => Promise<void> }> {
  if (config.databaseUrl) {
    const database = await PostgresKnowledge.open(config.databaseUrl, {
      logger,
      readUrl: config.databaseReadUrl,
      keptRecords: config.keptRecords,
      draftMaxRecords: config.draftMaxRecords,
      readerFor: (pool, where) => new PostgresReader(pool, { where }),
    });
    return {
      options: { database },
      describe: async () => ({ database: database.where, version: database.current().info.version, counts: await database.current().reader.recordCounts() }),
      close: () => database.close(),
    };
  }
  const store = await KnowledgeStore.open(config.dataDir, { logger });
  if (config.watchData) store.watch();
  return {
    options: { store },
    describe: async () => ({ dataDir: store.current.info.dataDir, version: store.current.info.version, counts: store.current.counts }),
    close: async () => store.close(),
  };
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  const knowledge = await openKnowledge(config, logger);
  const persistedDocuments = await loadPersistedDocuments(config.persistedDocumentsFile, schema);
  const newsgraph = createNewsgraph({
    ...knowledge.options,
    curatorTokens: new CuratorTokens(config.curatorTokens),
    logger,
    exposeErrorDetails: config.exposeErrorDetails,
    introspection: config.introspection,
    corsOrigins: config.corsOrigins,
    persistedDocuments: { documents: persistedDocuments, only: config.persistedOnly },
    maxBodyBytes: config.http.maxBodyBytes,
    subscriptions: config.subscriptions,
    metrics: config.metrics,
  });
  const server = createHttpServer(newsgraph, config.http);
  const logLoaded = (loaded: Record<string, unknown>) => {
    const counts = Object.entries(loaded.counts as Record<string, number>).map(([kind, count]) => `${count} ${kind}`).join(', ');
    logger.info(loaded, `${config.databaseUrl ? 'reading PostgreSQL:' : 'loaded'} ${counts}`);
  };
  // A database's counts are a count(*) of every table, which grows with the data (about 1 s at 10,000×
  // the seed, bench/results/scale-postgres.md): they are logged once known, after the server listens,
  // so nothing proportional to the data holds up the start. The JSON store has them already.
  const loaded = config.databaseUrl ? undefined : await knowledge.describe();

  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    if (loaded) logLoaded(loaded);
    else void knowledge.describe().then(logLoaded, (error: unknown) => logger.warn({ err: error }, 'could not count the records of the database'));
    logger.info({ host: config.host, port }, `GraphiQL at http://${config.host}:${port}${newsgraph.yoga.graphqlEndpoint}`);
    const { metrics } = config;
    logger.info({ metrics: metrics !== false, metricsTokenRequired: metrics !== false && metrics.token !== undefined }, metrics ? `Prometheus metrics at http://${config.host}:${port}/metrics` : 'metrics are off');
    logger.info({ curators: config.curatorTokens.map(({ name }) => name) }, config.curatorTokens.length === 0 ? 'no curator tokens configured: mutations are refused' : `${config.curatorTokens.length} curator token(s) configured`);
  });

  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, `${signal} received, closing`);
    server.close(() => void knowledge.close().finally(() => logger.flush(() => process.exit(0))));
    server.closeIdleConnections();
    // Requests still running after this long are cut off rather than holding the process open.
    setTimeout(() => {
      server.closeAllConnections();
    }, 5000).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  if (error instanceof DataValidationError || error instanceof ConfigError || error instanceof PostgresStoreError) {
    console.error(`newsgraph: not starting. ${error.message}`);
  } else {
    console.error('newsgraph: not starting.', error);
  }
  process.exit(1);
});
