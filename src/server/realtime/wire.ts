/**
 * One encode per delivered message. A message goes out several times: to the chat's stream on
 * /console, to the requester on /portal, and back to its sender in the ack. Socket.IO encodes each
 * packet on its own, so the same message view was turned into JSON three times. A view marked
 * with `encodeOnce` is turned into JSON once; the encoder below (Socket.IO's `parser` option)
 * splices that text into every packet that carries the view, as an event's payload or as a member
 * of an ack's answer. The text on the wire is exactly what the stock encoder writes, so clients
 * decode it with the stock decoder.
 */
import * as base from 'socket.io-parser';

const encoded = new WeakMap<object, string>();

/** Marks a view (never binary, never changed afterwards) to be encoded once for every packet that carries it. */
export function encodeOnce(view: object): void {
  if (!encoded.has(view)) encoded.set(view, JSON.stringify(view));
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/** A plain object's JSON, with marked members spliced in (as JSON.stringify would write it). */
function objectJson(value: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const key of Object.keys(value)) {
    const v = value[key];
    const text = typeof v === 'object' && v !== null && encoded.has(v) ? encoded.get(v)! : JSON.stringify(v);
    // JSON.stringify leaves out members that are undefined, functions or symbols.
    if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

/** The JSON of a packet's data when it carries a marked view, else undefined. */
function splicedData(type: number, data: unknown): string | undefined {
  if (!Array.isArray(data)) return undefined;
  if (type === base.PacketType.EVENT && data.length === 2 && typeof data[0] === 'string' && typeof data[1] === 'object' && data[1] !== null) {
    const payload = encoded.get(data[1]);
    if (payload !== undefined) return `[${JSON.stringify(data[0])},${payload}]`;
  }
  if (type === base.PacketType.ACK && data.length === 1 && isPlainObject(data[0])) {
    const answer = data[0];
    if (Object.values(answer).some((v) => typeof v === 'object' && v !== null && encoded.has(v))) return `[${objectJson(answer)}]`;
  }
  return undefined;
}

class SplicingEncoder extends base.Encoder {
  override encode(obj: base.Packet): ReturnType<base.Encoder['encode']> {
    const data = splicedData(obj.type, obj.data);
    if (data === undefined) return super.encode(obj);
    // The stock string form: type, namespace unless "/", ack id, data.
    let str = String(obj.type);
    if (obj.nsp && obj.nsp !== '/') str += `${obj.nsp},`;
    if (obj.id != null) str += obj.id;
    return [str + data];
  }
}

/** Socket.IO's parser with the splicing encoder (the decoder is the stock one). */
export const wireParser = { ...base, Encoder: SplicingEncoder };
