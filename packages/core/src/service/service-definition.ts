import type { CallKind } from '../handlers.js';
import type { MessageCodec } from './message-codec.js';

/** One method of a service: its call kind and the codecs of its request and response. */
export interface MethodDefinition<K extends CallKind = CallKind, Req = unknown, Res = unknown> {
  readonly kind: K;
  readonly request: MessageCodec<Req>;
  readonly response: MessageCodec<Res>;
  /** Wire name override; by default `<service>/<method key>`. */
  readonly name?: string;
}

/** Methods of a service keyed by the property name used in code. */
export type MethodMap = Readonly<Record<string, MethodDefinition>>;

/** A service: a name and its methods. Build one with {@link defineService}. */
export interface ServiceDefinition<M extends MethodMap> {
  readonly name: string;
  readonly methods: M;
  /** The wire method name of `key` (what RpcServer/RpcClient see). */
  wireName(key: keyof M & string): string;
}

/** A unary method definition. */
export function unaryMethod<Req, Res>(
  request: MessageCodec<Req>,
  response: MessageCodec<Res>,
  name?: string,
): MethodDefinition<'unary', Req, Res> {
  return { kind: 'unary', request, response, ...(name === undefined ? {} : { name }) };
}

/** A server-streaming method definition. */
export function serverStreamMethod<Req, Res>(
  request: MessageCodec<Req>,
  response: MessageCodec<Res>,
  name?: string,
): MethodDefinition<'serverStream', Req, Res> {
  return { kind: 'serverStream', request, response, ...(name === undefined ? {} : { name }) };
}

/** A client-streaming method definition. */
export function clientStreamMethod<Req, Res>(
  request: MessageCodec<Req>,
  response: MessageCodec<Res>,
  name?: string,
): MethodDefinition<'clientStream', Req, Res> {
  return { kind: 'clientStream', request, response, ...(name === undefined ? {} : { name }) };
}

/** A bidirectional-streaming method definition. */
export function bidiStreamMethod<Req, Res>(
  request: MessageCodec<Req>,
  response: MessageCodec<Res>,
  name?: string,
): MethodDefinition<'bidiStream', Req, Res> {
  return { kind: 'bidiStream', request, response, ...(name === undefined ? {} : { name }) };
}

/** Defines a service once; serve it with `RpcServer.service` and call it with `serviceClient`. */
export function defineService<const M extends MethodMap>(
  name: string,
  methods: M,
): ServiceDefinition<M> {
  if (name.length === 0) throw new TypeError('name: expected a non-empty service name');
  return Object.freeze({
    name,
    methods,
    wireName: (key: keyof M & string) => methods[key]?.name ?? `${name}/${key}`,
  });
}
