/** One integer protocol version. Bump it on any breaking change to a route or event; a test pins it. */
export const PROTOCOL_VERSION = 2;
