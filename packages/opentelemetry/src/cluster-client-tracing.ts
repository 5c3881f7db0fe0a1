import { trace } from '@opentelemetry/api';
import type { ClusterClientEvent } from '@rpcnet/cluster-client';

/** What {@link traceClusterClientEvents} subscribes to: a `ClusterClient` fits. */
export interface ClusterClientEventSource {
  onEvent(listener: (event: ClusterClientEvent) => void): () => void;
}

/**
 * Adds the client's failovers, hedges and stream resumes as events (`rpcnet.failover`,
 * `rpcnet.hedge`, `rpcnet.stream_resumed`) to the span active for the call: yours around
 * `callWorker`/`streamWorker`, so every attempt's client span and the event share its trace.
 * Returns the unsubscribe function.
 */
export function traceClusterClientEvents(client: ClusterClientEventSource): () => void {
  return client.onEvent((event) => {
    const span = trace.getActiveSpan();
    if (span === undefined) return;
    switch (event.type) {
      case 'Failover':
        span.addEvent('rpcnet.failover', {
          'rpc.method': event.method,
          'rpcnet.attempt': event.attempt,
          'rpcnet.worker_id': event.workerId,
          ...(event.previousWorkerId === undefined
            ? {}
            : { 'rpcnet.previous_worker_id': event.previousWorkerId }),
          ...(event.code === undefined ? {} : { 'rpc.response.status_code': event.code }),
        });
        return;
      case 'Hedge':
        span.addEvent('rpcnet.hedge', {
          'rpc.method': event.method,
          'rpcnet.attempt': event.attempt,
          'rpcnet.worker_id': event.workerId,
        });
        return;
      case 'StreamResumed':
        span.addEvent('rpcnet.stream_resumed', {
          'rpc.method': event.method,
          'rpcnet.failed_worker_id': event.failedWorkerId,
          'rpcnet.messages_received': event.messagesReceived,
          'rpcnet.part': event.part,
        });
        return;
    }
  });
}
