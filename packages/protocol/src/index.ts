export * from './errors.js';
export * from './roles.js';
export * from './messages.js';
export * from './interaction.js';
export * from './interactionRules.js';
export * from './api.js';
export * from './lti.js';
export * from './ltiServices.js';
export { TypedEmitter, type EventMap } from './TypedEmitter.js';
