import 'reflect-metadata';
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { runPrimary, runWorker } from './cluster';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config';
import { loadEnvFile } from './config/env-file';

function configOrExit(): AppConfig {
  try {
    loadEnvFile();
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

// The app is loaded only where it runs: a cluster's primary serves nothing and stays small.
const startServer = async (config: AppConfig) => (await import('./server')).startServer(config);

const config = configOrExit();
const workers = config.workerCount(availableParallelism());
if (workers === 1) void startServer(config);
else if (cluster.isPrimary) void runPrimary(config, workers);
else void runWorker(() => startServer(config));
