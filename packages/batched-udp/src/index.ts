export {
  BatchedUdpSocket,
  type DatagramListener,
  type DatagramOrigin,
  type ErrorListener,
} from './batched-udp-socket.js';
