/** What crosses the wire between registers, browsers and the hub. */
export * from './errors.js';
export * from './events.js';
export * from './permissions.js';
export * from './schemas.js';
export * from './serials.js';
export * from './socket.js';
export * from './version.js';
