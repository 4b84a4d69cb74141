import protobuf from 'protobufjs';
import descriptor from './proto-descriptor.json' with { type: 'json' };

/*
 * The TF Serving, TF and gRPC health protos (proto/**) as protobufjs reflection types, loaded from
 * the generated JSON descriptor (npm run proto) so nothing here reads files. Field names are the
 * .proto's snake_case. protobufjs compiles its codecs with `new Function`, so this module is for
 * Node and Deno (the gRPC server, tests); Workers use the hand codecs in core/tensor/proto/.
 */
export const protoRoot = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);

export const lookupType = (name: string): protobuf.Type => protoRoot.lookupType(name);

/** Conversion options for toObject: int64 as bigint, enums as numbers, bytes as Uint8Array. */
export const TO_OBJECT: protobuf.IConversionOptions = { longs: BigInt as unknown as typeof String, enums: Number, defaults: false };

/** Encodes a plain object as the named message. */
export function encodeMessage(type: protobuf.Type, value: object): Uint8Array {
  return type.encode(type.fromObject(value)).finish();
}

/** Decodes bytes as the named message into a plain object (see TO_OBJECT). */
export function decodeMessage<T = Record<string, unknown>>(type: protobuf.Type, bytes: Uint8Array): T {
  return type.toObject(type.decode(bytes), TO_OBJECT) as T;
}
