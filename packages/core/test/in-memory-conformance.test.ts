import { InMemoryTransport } from '../src/index.js';
import { runTransportConformance } from './conformance/transport-conformance.js';

runTransportConformance('InMemoryTransport', () => new InMemoryTransport());
runTransportConformance(
  'InMemoryTransport split into 7-byte chunks',
  () => new InMemoryTransport({ chunkBytes: 7 }),
);
