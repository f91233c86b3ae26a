export * from './errors.js';
export * from './roles.js';
export * from './messages.js';
export * from './api.js';
