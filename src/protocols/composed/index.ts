/** Protocols composed from the engine's stages by a configuration file ("compose your own"). */
export * from './config.js';
export * from './lending.js';
export * from './perp.js';
