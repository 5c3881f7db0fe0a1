import { runTransportConformance } from '@rpcnet/test-utils/transport-conformance';
import { InMemoryTransport } from '../src/index.js';

runTransportConformance('InMemoryTransport', () => new InMemoryTransport());
runTransportConformance(
  'InMemoryTransport split into 7-byte chunks',
  () => new InMemoryTransport({ chunkBytes: 7 }),
);
