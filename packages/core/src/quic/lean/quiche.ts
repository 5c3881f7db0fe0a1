// The native quiche bindings alone: importing the package root would also load the library's
// JS classes, which the lean driver does not use.
import { quiche } from '@matrixai/quic/native/index.js';

export type {
  Config as QuicheConfig,
  Connection as QuicheConnection,
  ConnectionError as QuicheConnectionError,
  Header as QuicheHeader,
  RecvInfo as QuicheRecvInfo,
} from '@matrixai/quic/native/types.js';
export { quiche };

/** Length of the connection ids this driver issues; short-header routing relies on it. */
export const CONNECTION_ID_BYTES = 20;
