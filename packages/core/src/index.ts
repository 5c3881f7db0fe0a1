export type { LogFields, Logger } from './logger.js';
export { silentLogger } from './logger.js';
export type {
  ChannelReceiver,
  HostPort,
  Transport,
  TransportConnection,
  TransportListener,
} from './transport.js';
