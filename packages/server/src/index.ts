export { buildApp, redactUrl, type AppDeps, type AmphiApp } from './app.js';
export { loadConfig, testConfig, type Config } from './config.js';
export { openDatabase, type Database } from './storage/index.js';
