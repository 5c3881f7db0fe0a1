import { runTransportConformance } from '@rpcnet/test-utils/transport-conformance';
import * as core from '../src/index.js';
import { InMemoryTransport } from '../src/index.js';

runTransportConformance('InMemoryTransport', () => new InMemoryTransport(), core);
runTransportConformance(
  'InMemoryTransport split into 7-byte chunks',
  () => new InMemoryTransport({ chunkBytes: 7 }),
  core,
);
