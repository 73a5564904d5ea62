/** Reading attributes of decoded messages as plain values, and a resource's attributes straight from the wire. */
import type { IConversionOptions } from 'protobufjs';
import { OtlpDecodeError } from './errors.ts';
import { lookupType } from './schema.ts';
import type { AnyValue, KeyValue, Resource } from './types.ts';
import type { ResourceSlice } from './wire.ts';

/** A plain attribute value: int_value stays a bigint (exact), double_value a number, an empty AnyValue undefined. */
export type AttrValue = string | number | boolean | bigint | Uint8Array | AttrValue[] | AttrMap | undefined;

/**
 * Attributes by key in a null-prototype object, so `__proto__` is plain data. A repeated key (OTLP forbids
 * it, senders do it): the first occurrence wins, as in findAttr, the Collector's pdata and Honeycomb.
 */
export type AttrMap = { [key: string]: AttrValue };

export function attrValue(v: AnyValue | null | undefined): AttrValue {
  if (v == null) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return v.intValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue != null) return v.arrayValue.values.map(attrValue);
  if (v.kvlistValue != null) return attrMap(v.kvlistValue.values);
  if (v.bytesValue !== undefined) return v.bytesValue;
  // string_value_strindex is Profiling-only: treated as absent, as the spec asks of other signals.
  return undefined;
}

export function attrMap(keyValues: readonly KeyValue[] | null | undefined): AttrMap {
  const map: AttrMap = Object.create(null) as AttrMap;
  if (keyValues == null) return map;
  // First wins: routing on resource slices, the wire filter and the decoded filter must agree (match.ts findAttr).
  for (const kv of keyValues) if (!(kv.key in map)) map[kv.key] = attrValue(kv.value);
  return map;
}

const RESOURCE_TYPE = lookupType('opentelemetry.proto.resource.v1.Resource');
const DECODED_SHAPE: IConversionOptions = { longs: BigInt, defaults: true, arrays: true };

function readVarint(bytes: Uint8Array, pos: number, end: number): [value: number, next: number] {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10 && pos < end; i++) {
    const b = bytes[pos++]!;
    value += (b & 0x7f) * mul;
    if (b < 0x80) return [value, pos];
    mul *= 0x80;
  }
  throw new OtlpDecodeError(`invalid protobuf: malformed varint before byte ${pos}`);
}

/** The Resource attributes of one ResourceSlice, decoding only the Resource: cheap routing on service.name. */
export function resourceAttributes(bytes: Uint8Array, slice: ResourceSlice): AttrMap {
  // Skip the entry's own tag and length prefix.
  let [, pos] = readVarint(bytes, slice.start, slice.end);
  const [len, afterLen] = readVarint(bytes, pos, slice.end);
  pos = afterLen;
  const end = Math.min(slice.end, pos + len);
  const attributes: KeyValue[] = [];
  while (pos < end) {
    let tag: number;
    [tag, pos] = readVarint(bytes, pos, end);
    const wt = tag & 7;
    if (wt === 2) {
      let n: number;
      [n, pos] = readVarint(bytes, pos, end);
      if (tag >>> 3 === 1) {
        // Field 1 is the Resource in ResourceSpans, ResourceLogs and ResourceMetrics alike; repeats merge.
        const r = RESOURCE_TYPE.toObject(RESOURCE_TYPE.decode(bytes.subarray(pos, pos + n)), DECODED_SHAPE) as unknown as Resource;
        attributes.push(...r.attributes);
      }
      pos += n;
    } else if (wt === 0) {
      [, pos] = readVarint(bytes, pos, end);
    } else if (wt === 1) {
      pos += 8;
    } else if (wt === 5) {
      pos += 4;
    } else {
      throw new OtlpDecodeError(`invalid protobuf: wire type ${wt} at byte ${pos} in a resource entry`);
    }
  }
  return attrMap(attributes);
}
