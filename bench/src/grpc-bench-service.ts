import type { ServiceDefinition } from '@grpc/grpc-js';

const identity = (bytes: Buffer): Buffer => bytes;

/** The benchmark service for @grpc/grpc-js, with raw bytes as messages (no protobuf cost). */
export const grpcBenchService: ServiceDefinition = {
  echo: {
    path: '/bench.Bench/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
  generate: {
    path: '/bench.Bench/Generate',
    requestStream: false,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};
