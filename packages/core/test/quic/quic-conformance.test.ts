import { runTransportConformance } from '@rpcnet/test-utils/transport-conformance';
import * as core from '../../src/index.js';
import { QuicTransport } from '../../src/quic/quic-transport.js';
import { certificates } from './helpers.js';

// One transport serves and connects, so it carries the server identity and trusts it.
runTransportConformance(
  'QuicTransport',
  () => {
    const { server } = certificates();
    return new QuicTransport({
      tls: { cert: server.certPem, key: server.keyPem, ca: server.certPem },
    });
  },
  core,
);
