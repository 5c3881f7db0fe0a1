// Wire framing (`@rpcnet/core/wire`), for tools and tests that speak the protocol byte by byte;
// applications use `RpcClient` and `RpcServer` from the package root. See docs/rpc-wire-protocol.md.
export type { Frame } from './frame.js';
export {
  encodeFrame,
  FRAME_HEADER_BYTES,
  FrameFlag,
  FrameType,
  PROTOCOL_VERSION,
} from './frame.js';
export type { FrameSink } from './frame-decoder.js';
export { FrameDecoder } from './frame-decoder.js';
