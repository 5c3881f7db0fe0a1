// A minimal DER (ASN.1 Distinguished Encoding Rules) writer: just the types an X.509
// certificate needs. Every function returns the complete TLV encoding.

const TAG_BOOLEAN = 0x01;
const TAG_INTEGER = 0x02;
const TAG_BIT_STRING = 0x03;
const TAG_OCTET_STRING = 0x04;
const TAG_OBJECT_IDENTIFIER = 0x06;
const TAG_UTF8_STRING = 0x0c;
const TAG_UTC_TIME = 0x17;
const TAG_GENERALIZED_TIME = 0x18;
const TAG_SEQUENCE = 0x30;
const TAG_SET = 0x31;

/** Encodes one tag-length-value element with a definite length. */
export function derElement(tag: number, content: Uint8Array): Uint8Array {
  const length = content.length;
  let header: number[];
  if (length < 0x80) {
    header = [tag, length];
  } else {
    const lengthBytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256))
      lengthBytes.unshift(rest % 256);
    header = [tag, 0x80 | lengthBytes.length, ...lengthBytes];
  }
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  out.set(content, header.length);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** SEQUENCE of already-encoded elements. */
export function derSequence(...elements: Uint8Array[]): Uint8Array {
  return derElement(TAG_SEQUENCE, concat(elements));
}

/** SET of already-encoded elements (callers pass them in DER order). */
export function derSet(...elements: Uint8Array[]): Uint8Array {
  return derElement(TAG_SET, concat(elements));
}

/** BOOLEAN. */
export function derBoolean(value: boolean): Uint8Array {
  return derElement(TAG_BOOLEAN, Uint8Array.of(value ? 0xff : 0x00));
}

/** Non-negative INTEGER from its big-endian magnitude bytes. */
export function derUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  // A set top bit would read as negative: prefix a zero byte.
  const needsPad = trimmed.length === 0 || (trimmed[0] ?? 0) >= 0x80;
  return derElement(TAG_INTEGER, needsPad ? concat([Uint8Array.of(0), trimmed]) : trimmed);
}

/** Small non-negative INTEGER. */
export function derSmallInteger(value: number): Uint8Array {
  const bytes: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return derUnsignedInteger(Uint8Array.from(bytes.length === 0 ? [0] : bytes));
}

/** BIT STRING with `unusedBits` padding bits at the end of the last byte. */
export function derBitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  return derElement(TAG_BIT_STRING, concat([Uint8Array.of(unusedBits), bytes]));
}

/** OCTET STRING. */
export function derOctetString(bytes: Uint8Array): Uint8Array {
  return derElement(TAG_OCTET_STRING, bytes);
}

/** UTF8String. */
export function derUtf8String(text: string): Uint8Array {
  return derElement(TAG_UTF8_STRING, new TextEncoder().encode(text));
}

/** OBJECT IDENTIFIER from dotted notation, e.g. `2.5.4.3`. */
export function derObjectIdentifier(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((arc) => Number.parseInt(arc, 10));
  const [first, second, ...rest] = arcs;
  if (
    first === undefined ||
    second === undefined ||
    arcs.some((arc) => !Number.isSafeInteger(arc))
  ) {
    throw new Error(`invalid object identifier: ${dotted}`);
  }
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const groups: number[] = [arc % 128];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
      groups.unshift(0x80 | (value % 128));
    }
    bytes.push(...groups);
  }
  return derElement(TAG_OBJECT_IDENTIFIER, Uint8Array.from(bytes));
}

/** A time as UTCTime before 2050 and GeneralizedTime from 2050 on, as RFC 5280 requires. */
export function derTime(date: Date): Uint8Array {
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  const rest = `${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
  const year = date.getUTCFullYear();
  const encoder = new TextEncoder();
  if (year < 2050) return derElement(TAG_UTC_TIME, encoder.encode(`${pad(year % 100)}${rest}`));
  return derElement(TAG_GENERALIZED_TIME, encoder.encode(`${pad(year, 4)}${rest}`));
}

/** Context-specific tag `[number]`: constructed (EXPLICIT wrapper) or primitive (IMPLICIT). */
export function derContext(number: number, content: Uint8Array, constructed: boolean): Uint8Array {
  return derElement((constructed ? 0xa0 : 0x80) | number, content);
}
