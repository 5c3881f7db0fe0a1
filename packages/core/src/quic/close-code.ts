/** QUIC application error codes rpcnet sends when closing a connection (both drivers). */
export const CloseCode = { GRACEFUL: 0, ABORTED: 1, PROTOCOL: 2 } as const;
